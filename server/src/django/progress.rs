//! What the import shows while it works: a progress bar on a terminal, a few plain lines
//! otherwise (a log file or CI gets no control characters), nothing in tests.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Hidden,
    Bar,
    Lines,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    mode: Mode,
}

impl Progress {
    /// A bar when standard error is a terminal, plain lines when it is not.
    pub fn on_stderr() -> Self {
        let mode = if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Self { mode }
    }

    pub fn hidden() -> Self {
        Self { mode: Mode::Hidden }
    }

    /// One step of the work, `total` rows long.
    pub fn phase(&self, label: &'static str, total: u64) -> Phase {
        let bar = (self.mode == Mode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:32}] {pos}/{len} rows {elapsed}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label);
            bar
        });
        Phase {
            bar,
            lines: self.mode == Mode::Lines,
            label,
            total,
            done: 0,
            next_line: 0,
        }
    }
}

pub struct Phase {
    bar: Option<ProgressBar>,
    lines: bool,
    label: &'static str,
    total: u64,
    done: u64,
    next_line: u64,
}

impl Phase {
    pub fn advance(&mut self, rows: u64) {
        self.done += rows;
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
        // About ten lines for a long step, one for a short one.
        if self.lines && self.done >= self.next_line && self.done < self.total {
            eprintln!("{}: {}/{} rows", self.label, self.done, self.total);
            self.next_line = self.done + (self.total / 10).max(1);
        }
    }

    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish();
            // indicatif leaves the cursor at the end of the bar; what follows (the next
            // step's bar, the summary) starts on a line of its own.
            eprintln!();
        }
        if self.lines {
            eprintln!("{}: {}/{} rows, done", self.label, self.done, self.total);
        }
    }
}
