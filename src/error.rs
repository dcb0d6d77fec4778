//! Errors: bad input (exit code 2) is kept apart from everything else (exit code 1).

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem an [`InputError`] is, so that callers and tests can tell them apart
/// without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file cannot be read (missing, a folder, no permission).
    Io,
    /// The file is larger than capsim reads.
    TooLarge,
    /// The file is not UTF-8 text.
    Encoding,
    /// The file is not valid TOML (or CSV).
    Syntax,
    /// A key that capsim does not know.
    UnknownKey,
    /// A required key or table is absent.
    Missing,
    /// A value of another type than the key takes (a string for a number, a list for a table).
    WrongType,
    /// A value of the right type but not of an allowed form (a malformed duration, a word
    /// that is not one of the allowed words, an impossible date).
    Invalid,
    /// A number outside the documented range of its key.
    OutOfRange,
    /// A key or a name given twice.
    Duplicate,
    /// A name that refers to nothing (an unknown instance type, zone or strategy).
    Reference,
    /// Values that cannot go together (two actions in one event, a rule of the profile).
    Conflict,
}

/// A problem with what the user gave capsim: a scenario, a trace, a flag.
///
/// Displayed as one sentence: `FILE:LINE:COL: KEY.PATH: message`, leaving out the parts
/// that are not known; the kind is not displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// The file the problem is in, as the user named it (or as joined to the scenario's folder).
    pub file: PathBuf,
    /// 1-based line and column (in characters), when known.
    pub location: Option<(usize, usize)>,
    /// The key path, in the syntax of sweep keys: `strategy["ri-1y"].reserve[0].term`.
    pub path: Option<String>,
    /// What was found and what is allowed.
    pub message: String,
}

impl InputError {
    /// An error about a whole file, with no position inside it; its kind is
    /// [`ErrorKind::Invalid`] until [`InputError::with_kind`] says otherwise.
    pub fn file(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        InputError {
            kind: ErrorKind::Invalid,
            file: file.as_ref().to_path_buf(),
            location: None,
            path: None,
            message: message.into(),
        }
    }

    /// The same error, of kind `kind`.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.location {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(path) = &self.path {
            write!(f, ": {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Lists allowed words for a message: `"a", "b" or "c"`.
pub fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Everything a capsim command can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: exit code 2, nothing written.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A bad command-line value that clap could not catch (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Ctrl-C stopped a run: exit code 130 after writing what covers the finished work.
    #[error("{0}")]
    Interrupted(String),
    /// Standard output was closed by its reader (`capsim bill ... | head`): a quiet exit 0.
    #[error("standard output was closed")]
    ClosedPipe,
    /// Anything else (I/O, a full disk): exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Usage(_) => 2,
            Error::ClosedPipe => 0,
            Error::Interrupted(_) => 130,
            Error::Other(_) => 1,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::ClosedPipe
        } else {
            Error::Other(e.into())
        }
    }
}

/// Result with capsim's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
