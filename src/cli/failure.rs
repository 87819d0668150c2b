//! How a failure reaches the user: one line, each cause once, and nothing at all when the
//! reader of stdout went away (`sitrep claims | head`), which is how such a run is meant to
//! end.

use std::io;

use sitrep::store::StoreError;

/// The error and its causes, joined by ": ", leaving out a cause whose text is already in
/// the line: an error that prints its source's message and also returns it as `source()`
/// would otherwise be printed twice ("unterminated string: unterminated string").
pub fn message(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// True when writing the output failed because its reader closed the pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause.downcast_ref::<io::Error>().or_else(|| {
            match cause.downcast_ref::<StoreError>() {
                Some(StoreError::Output(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Makes `println!` on a closed pipe end the program quietly with success, instead of
/// panicking with "failed printing to stdout: Broken pipe": Rust ignores SIGPIPE, so every
/// `println!` would need its own check. Other panics keep the default report.
pub fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_print_to_closed_pipe(text) {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// The panic message of `print!`/`eprint!` when their stream's reader is gone.
fn is_print_to_closed_pipe(panic: &str) -> bool {
    // std's wording: "failed printing to stdout: Broken pipe (os error 32)".
    panic.starts_with("failed printing to std")
        && (panic.contains("Broken pipe") || panic.contains("os error 32"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let inner = io::Error::other("unterminated string");
        let repeating = anyhow::Error::new(inner).context("database: unterminated string");
        assert_eq!(message(&repeating), "database: unterminated string");
        let distinct = anyhow::anyhow!("disk full").context("writing sitrep.db");
        assert_eq!(message(&distinct), "writing sitrep.db: disk full");
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_context_and_store_errors() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::new(pipe())));
        assert!(is_broken_pipe(
            &anyhow::Error::new(pipe()).context("printing")
        ));
        assert!(is_broken_pipe(&StoreError::Output(pipe()).into()));
        assert!(!is_broken_pipe(&anyhow::Error::new(io::Error::other(
            "disk full"
        ))));
        assert!(is_print_to_closed_pipe(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_print_to_closed_pipe("index out of bounds"));
    }
}
