//! Output files written atomically: to a temporary name in the same folder, then renamed
//! into place, so an interrupted run never leaves a file that looks complete.

use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Prefix of temporary files; stale ones from a killed run are removed by [`prepare_dir`].
const TEMP_PREFIX: &str = ".capsim-tmp-";

/// A file being written; it appears under its name only on [`AtomicFile::commit`].
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `dir/name`.
    pub fn create(dir: &Path, name: &str) -> anyhow::Result<AtomicFile> {
        let temp = temp_path(dir, name);
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(AtomicFile {
            temp,
            target: dir.join(name),
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("not committed")
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let writer = self.writer.take().expect("committed once");
        let file = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", self.temp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", self.temp.display()))?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("cannot move {} into place", self.target.display()))?;
        Ok(self.target.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The temporary name under which `dir/name` is written before it is renamed into place (it
/// keeps the extension, for writers that choose a format by it).
pub fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{TEMP_PREFIX}{}-{name}", std::process::id()))
}

/// Writes a whole file atomically.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let mut f = AtomicFile::create(dir, name)?;
    f.writer()
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", dir.join(name).display()))?;
    f.commit()
}

/// Creates the output folder and removes temporary files a killed run left behind (for a
/// folder only this run writes to).
pub fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    create_dir(dir)?;
    remove_stale(dir, |_| true)
}

/// Creates a folder and its parents.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))
}

/// Removes the temporary files of `dir` whose final name (the part after the process id)
/// `ours` claims. In a folder several processes write to, each removes only its own files'
/// leftovers: another process's temporary file may be about to be renamed into place.
pub fn remove_stale(dir: &Path, ours: impl Fn(&str) -> bool) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
            continue;
        };
        let target = rest.split_once('-').map_or(rest, |(_, t)| t);
        if ours(target) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = AtomicFile::create(dir.path(), "a.txt").unwrap();
        f.writer().write_all(b"hello").unwrap();
        assert!(!dir.path().join("a.txt").exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"hello");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = AtomicFile::create(dir.path(), "a.txt").unwrap();
        f.writer().write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
