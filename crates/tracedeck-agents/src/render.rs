//! Showing a run in a terminal while it happens: [`TerminalRenderer`] writes the answer as
//! it streams and one short line per tool call, hook, retrieval and delegation (member runs
//! indented; their text is not streamed, their results are). It only formats [`RunEvent`]s;
//! printing the recorded trace tree afterwards is the CLI's job (it reads the store).

use std::io::{self, Write};

use tokio::sync::mpsc;

use crate::events::{RunEvent, RunStatus};
use crate::runtime::RunOutcome;

pub struct TerminalRenderer<W: Write> {
    out: W,
    at_line_start: bool,
    /// Cut tool outputs and arguments to this many characters.
    pub max_detail: usize,
}

fn clip(s: &str, max: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

impl<W: Write> TerminalRenderer<W> {
    pub fn new(out: W) -> Self {
        TerminalRenderer { out, at_line_start: true, max_detail: 100 }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn line(&mut self, depth: u32, text: &str) -> io::Result<()> {
        if !self.at_line_start {
            writeln!(self.out)?;
        }
        writeln!(self.out, "{}{text}", "  ".repeat(depth as usize + 1))?;
        self.at_line_start = true;
        Ok(())
    }

    pub fn handle(&mut self, ev: &RunEvent) -> io::Result<()> {
        let max = self.max_detail;
        match ev {
            RunEvent::RunStarted { depth, name, .. } if *depth > 0 => {
                self.line(*depth - 1, &format!("> {name} started"))?
            }
            RunEvent::RunStarted { .. } => {}
            RunEvent::TextDelta { depth: 0, text, .. } => {
                write!(self.out, "{text}")?;
                self.at_line_start = text.ends_with('\n');
            }
            RunEvent::TextDelta { .. } => {}
            RunEvent::ToolCallStarted { depth, tool, arguments, .. } => {
                self.line(*depth, &format!("[tool] {tool} {}", clip(arguments, max)))?
            }
            RunEvent::ToolCallFinished { depth, tool, ok, output, duration_ms, .. } => {
                let mark = if *ok { "ok" } else { "ERROR" };
                self.line(*depth, &format!("[tool] {tool} {mark} ({duration_ms:.1} ms): {}", clip(output, max)))?
            }
            RunEvent::HookApplied { depth, stage, hook, modified, ok, .. } => {
                let what = match (ok, modified) {
                    (false, _) => "rejected",
                    (true, true) => "modified",
                    (true, false) => "unchanged",
                };
                self.line(*depth, &format!("[{stage}_hook] {hook}: {what}"))?
            }
            RunEvent::Retrieval { depth, store, query, hits, .. } => {
                self.line(*depth, &format!("[search] {store}: {hits} document(s) for {:?}", clip(query, max)))?
            }
            RunEvent::Delegation { depth, member, mode, task, .. } => {
                self.line(*depth, &format!("[delegate:{mode}] -> {member}: {}", clip(task, max)))?
            }
            RunEvent::RunFinished { depth, target, status, error, .. } => {
                if *depth > 0 {
                    let how = error
                        .as_deref()
                        .map_or_else(|| status.as_str().to_owned(), |e| format!("{}: {e}", status.as_str()));
                    self.line(*depth - 1, &format!("< {target} {how}"))?;
                } else {
                    if !self.at_line_start {
                        writeln!(self.out)?;
                        self.at_line_start = true;
                    }
                    if *status != RunStatus::Ok {
                        writeln!(self.out, "{}: {}", status.as_str(), error.as_deref().unwrap_or(""))?;
                    }
                }
            }
        }
        self.out.flush()
    }

    /// Renders events until the channel closes (the run finished and dropped its sender).
    pub async fn drain(mut self, mut rx: mpsc::Receiver<RunEvent>) -> io::Result<W> {
        while let Some(ev) = rx.recv().await {
            self.handle(&ev)?;
        }
        Ok(self.out)
    }
}

/// One line for after the run: `trace <id>  run <id>  status OK  tokens 123`.
pub fn summary_line(o: &RunOutcome) -> String {
    format!(
        "trace {}  run {}  session {}  status {}  tokens {}",
        o.trace_id,
        o.run_id,
        o.session_id,
        o.status.as_str(),
        o.usage.total_tokens
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_text_and_puts_tool_lines_on_their_own_lines() {
        let mut r = TerminalRenderer::new(Vec::new());
        let id = || "r".to_owned();
        r.handle(&RunEvent::TextDelta { run_id: id(), depth: 0, text: "Let me ".into() }).unwrap();
        r.handle(&RunEvent::ToolCallStarted {
            run_id: id(),
            depth: 0,
            call_id: "c".into(),
            tool: "calculator".into(),
            arguments: "{\"expression\": \"1/0\"}".into(),
        })
        .unwrap();
        r.handle(&RunEvent::ToolCallFinished {
            run_id: id(),
            depth: 0,
            call_id: "c".into(),
            tool: "calculator".into(),
            ok: false,
            output: "division by zero".into(),
            duration_ms: 0.04,
        })
        .unwrap();
        r.handle(&RunEvent::TextDelta { run_id: id(), depth: 1, text: "member text".into() }).unwrap();
        r.handle(&RunEvent::TextDelta { run_id: id(), depth: 0, text: "Done.".into() }).unwrap();
        r.handle(&RunEvent::RunFinished {
            run_id: id(),
            depth: 0,
            target: "calculator".into(),
            status: RunStatus::Ok,
            error: None,
            usage: Default::default(),
        })
        .unwrap();
        let s = String::from_utf8(r.into_inner()).unwrap();
        assert_eq!(
            s,
            "Let me \n  [tool] calculator {\"expression\": \"1/0\"}\n  [tool] calculator ERROR (0.0 ms): division by zero\nDone.\n"
        );
    }
}
