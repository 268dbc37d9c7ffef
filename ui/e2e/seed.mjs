// The e2e data set, written through the real OTLP receiver: 130 agent runs over two users,
// three sessions and two agents (every fourth failing), and the XSS traces (kept two days in
// the past so they never appear at the top of the screenshots).

import { agentRun, genAiRun, postSpans, teamRun, waitForWritten, XSS_PAYLOADS } from "./lib/otlp.mjs";

export const RUNS = 130;
export const USERS = ["alice", "bob"];
export const CITIES = ["Paris", "Tokyo", "Rome"];

const agentOf = (i) => (i % 5 === 0 ? "math-agent" : "weather-agent");

export async function seed(baseUrl) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const city = CITIES[i % 3];
    const r = agentRun({
      startNs: now - BigInt(i + 1) * 45_000_000_000n,
      user: USERS[i % 2],
      session: `session-${i % 3}`,
      agent: agentOf(i),
      question: `What's the weather in ${city}?`,
      fail: i % 4 === 1,
    });
    runs.push({ traceId: r.traceId, user: USERS[i % 2], city, fail: i % 4 === 1, agent: agentOf(i) });
    spans.push(...r.spans);
  }
  const xss = [];
  XSS_PAYLOADS.forEach((p, i) => {
    const r = agentRun({ startNs: now - 2n * 86_400_000_000_000n - BigInt(i) * 1_000_000_000n, user: "mallory", session: "xss", payload: p, fail: i % 2 === 0 });
    xss.push(r.traceId);
    spans.push(...r.spans);
  });
  // A team run with every span kind (newest, so it tops the list) and a GenAI-convention run.
  const team = teamRun({ startNs: now - 10_000_000_000n });
  const genai = genAiRun({ startNs: now - 20_000_000_000n });
  spans.push(...team.spans, ...genai.spans);
  await postSpans(baseUrl, spans);
  await waitForWritten(baseUrl, spans.length);
  return { runs, xss, team: team.traceId, genai: genai.traceId, spans: spans.length };
}
