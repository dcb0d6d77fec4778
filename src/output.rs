//! Where outputs go: each output is one writer behind [`Output`]; a set of them is written
//! into a staging folder and then moved into place as a whole ([`OutputSet`]), so a folder holds
//! either the earlier set or the new one, never a mix (docs/decisions.md, "Output folders").
//! Single files are written atomically: to a temporary name in the same folder, then renamed.

use crate::montecarlo::TrialResult;
use anyhow::Context;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

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

/// Creates the output folder and removes temporary files and staging folders a killed run
/// left behind (for a folder only this run writes to).
pub fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    create_dir(dir)?;
    remove_stale(dir, |_| true)
}

/// Creates a folder and its parents.
pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))
}

/// One output of a run or a sweep (`summary.json`, a chart, `sweep.csv`), written from `D`.
pub trait Output<D: ?Sized> {
    /// Whether `name` is a file this output writes (in any run): an earlier set's files are
    /// removed when a new set moves in.
    fn owns(&self, name: &str) -> bool;
    /// Sees each trial's results in trial order while the trials run, for an output with a row
    /// per trial; `dir` is where it writes.
    fn trial(&mut self, dir: &Path, t: &TrialResult) -> anyhow::Result<()> {
        let _ = (dir, t);
        Ok(())
    }
    /// Writes the output into `dir` from the finished results.
    fn write(&mut self, dir: &Path, data: &D) -> anyhow::Result<()>;
}

/// The outputs written together into one folder.
pub struct OutputSet<D: ?Sized> {
    outputs: Vec<Box<dyn Output<D>>>,
}

/// Staging folders being written; the lock is also held while a set moves into place, so a
/// second Ctrl-C ([`abandon`]) never exits in the middle of a move.
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn staging_lock() -> MutexGuard<'static, Vec<PathBuf>> {
    STAGING.lock().unwrap_or_else(|e| e.into_inner())
}

impl<D: ?Sized> OutputSet<D> {
    /// A set of outputs.
    pub fn new(outputs: Vec<Box<dyn Output<D>>>) -> OutputSet<D> {
        OutputSet { outputs }
    }

    /// Starts writing the set for `dir`: creates `dir`, removes what a killed run left there,
    /// and opens a staging folder inside it that only this process writes to.
    pub fn stage(self, dir: &Path) -> anyhow::Result<Staged<D>> {
        prepare_dir(dir)?;
        let staging = temp_path(dir, "outputs");
        let mut registered = staging_lock();
        std::fs::create_dir(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        registered.push(staging.clone());
        Ok(Staged {
            outputs: self.outputs,
            dir: dir.to_path_buf(),
            staging,
        })
    }
}

/// A set being written: nothing appears in the folder before [`Staged::commit`]; dropped
/// uncommitted, it leaves the folder as it was.
pub struct Staged<D: ?Sized> {
    outputs: Vec<Box<dyn Output<D>>>,
    dir: PathBuf,
    staging: PathBuf,
}

impl<D: ?Sized> Staged<D> {
    /// Passes a trial's results to every output.
    pub fn trial(&mut self, t: &TrialResult) -> anyhow::Result<()> {
        for o in &mut self.outputs {
            o.trial(&self.staging, t)?;
        }
        Ok(())
    }

    /// Writes every output, then replaces the folder's earlier set with the new one: the
    /// earlier set's files (those an output owns) are removed and the new files moved in,
    /// while a second Ctrl-C waits.
    pub fn commit(mut self, data: &D) -> anyhow::Result<()> {
        for o in &mut self.outputs {
            o.write(&self.staging, data)?;
        }
        let mut written: Vec<PathBuf> = std::fs::read_dir(&self.staging)
            .with_context(|| format!("cannot read {}", self.staging.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot read {}", self.staging.display()))?;
        written.sort();
        let mut registered = staging_lock();
        for entry in std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read {}", self.dir.display()))?
        {
            let entry = entry.with_context(|| format!("cannot read {}", self.dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file && self.outputs.iter().any(|o| o.owns(&name)) {
                std::fs::remove_file(entry.path())
                    .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            }
        }
        for path in &written {
            let target = self
                .dir
                .join(path.file_name().expect("a file in the folder"));
            std::fs::rename(path, &target)
                .with_context(|| format!("cannot move {} into place", target.display()))?;
        }
        let _ = std::fs::remove_dir(&self.staging);
        registered.retain(|p| *p != self.staging);
        Ok(())
    }
}

impl<D: ?Sized> Drop for Staged<D> {
    fn drop(&mut self) {
        let mut registered = staging_lock();
        if registered.contains(&self.staging) {
            let _ = std::fs::remove_dir_all(&self.staging);
            registered.retain(|p| *p != self.staging);
        }
    }
}

/// For an exit at once (a second Ctrl-C): waits until no set is moving into place, removes
/// every staging folder, and returns the lock, to be held until the process exits so that no
/// set starts moving in.
pub fn abandon() -> MutexGuard<'static, Vec<PathBuf>> {
    let mut registered = staging_lock();
    for staging in registered.drain(..) {
        // A writer may add a file while the folder is being removed: try again.
        for _ in 0..100 {
            match std::fs::remove_dir_all(&staging) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
                _ => break,
            }
        }
    }
    registered
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
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                let _ = std::fs::remove_dir_all(entry.path());
            } else {
                let _ = std::fs::remove_file(entry.path());
            }
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

    /// Writes `name` with `text`; owns the names starting with `out-`.
    struct Plain(&'static str, &'static str);

    impl Output<()> for Plain {
        fn owns(&self, name: &str) -> bool {
            name.starts_with("out-")
        }

        fn write(&mut self, dir: &Path, _: &()) -> anyhow::Result<()> {
            write(dir, self.0, self.1.as_bytes())?;
            Ok(())
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_set_replaces_the_earlier_set_and_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("out-a", "old"), ("out-b", "old"), ("notes.txt", "mine")] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::create_dir(dir.path().join("out-folder")).unwrap();
        let set = OutputSet::new(vec![Box::new(Plain("out-a", "new")) as Box<dyn Output<()>>]);
        let staged = set.stage(dir.path()).unwrap();
        // Nothing moves in before the commit.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out-a")).unwrap(),
            "old"
        );
        staged.commit(&()).unwrap();
        // out-b belonged to the earlier set: gone. Files and folders no output owns stay.
        assert_eq!(names(dir.path()), ["notes.txt", "out-a", "out-folder"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out-a")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_set_dropped_before_its_commit_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("out-a"), "old").unwrap();
        let set = OutputSet::new(vec![Box::new(Plain("out-a", "new")) as Box<dyn Output<()>>]);
        drop(set.stage(dir.path()).unwrap());
        assert_eq!(names(dir.path()), ["out-a"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out-a")).unwrap(),
            "old"
        );
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
