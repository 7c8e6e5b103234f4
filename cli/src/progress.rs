//! A spinner on stderr naming the stage of a long run (loading, evaluating, writing), so that
//! a person at a terminal sees that 100,000 assets are being worked on. Nothing is drawn when
//! stderr is not a terminal (logs, pipes, CI) or when `NO_PROGRESS` is set.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The spinner of one stage; cleared from the terminal when dropped.
pub struct Stage(Option<ProgressBar>);

impl Stage {
    /// Starts a spinner saying `what` (`loading /data/ws`).
    pub fn start(what: impl Into<String>) -> Stage {
        let wanted = std::io::stderr().is_terminal()
            && std::env::var_os("NO_PROGRESS").is_none_or(|v| v.is_empty());
        if !wanted {
            return Stage(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(what.into());
        bar.tick();
        bar.enable_steady_tick(Duration::from_millis(120));
        Stage(Some(bar))
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
