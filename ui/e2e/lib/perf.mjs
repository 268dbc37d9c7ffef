// Frame timing for the UI benchmarks: scrolls an element by `stepPx` on every animation frame
// for `frames` frames and reports the time between frames (the first, partial one dropped)
// and where the scroll ended.

export async function scrollFrames(page, selector, frames, stepPx) {
  return page.evaluate(
    ({ selector, frames, stepPx }) =>
      new Promise((resolve) => {
        const el = document.querySelector(selector);
        const deltas = [];
        let last = performance.now();
        let n = 0;
        const tick = (t) => {
          deltas.push(t - last);
          last = t;
          el.scrollTop += stepPx;
          if (++n < frames) requestAnimationFrame(tick);
          else resolve({ deltas: deltas.slice(1), end: el.scrollTop });
        };
        requestAnimationFrame((t) => {
          last = t;
          requestAnimationFrame(tick);
        });
      }),
    { selector, frames, stepPx },
  );
}
