import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ApiFailure } from "../apiError";
import { ErrorBox, errorMessage } from "./widgets";

describe("ErrorBox", () => {
  it("renders nothing for an abandoned request", () => {
    expect(renderToStaticMarkup(<ErrorBox error={new ApiFailure({ type: "Cancelled", data: "the request was cancelled" })} onRetry={() => undefined} />)).toBe("");
  });

  it("says how to make a timed-out read cheaper, with a Retry", () => {
    const html = renderToStaticMarkup(<ErrorBox error={new ApiFailure({ type: "TimedOut", data: "the run list took longer than its 5 s budget" })} onRetry={() => undefined} />);
    expect(html).toContain("Timed out: the run list took longer than its 5 s budget");
    expect(html).toContain("Narrow the filters or the time range");
    expect(html).toContain("Retry");
    expect(renderToStaticMarkup(<ErrorBox error={new ApiFailure({ type: "TimedOut", data: "x" })} timeoutHint="Try again later." />)).toContain("Try again later.");
  });

  it("gives the advice once when the backend's message already has it", () => {
    const html = renderToStaticMarkup(<ErrorBox error={new ApiFailure({ type: "TimedOut", data: "stopped; narrow the filters or the time range" })} />);
    expect(html.match(/narrow the filters/gi)?.length).toBe(1);
  });

  it("keeps the other messages as they were", () => {
    expect(errorMessage(new ApiFailure({ type: "NotFound", data: "trace ab" }))).toBe("Not found: trace ab");
    expect(renderToStaticMarkup(<ErrorBox error={new ApiFailure({ type: "Internal", data: "boom" })} />)).toContain("boom");
  });
});
