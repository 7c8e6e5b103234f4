//! Where a workspace's files come from: a directory on disk, or files held in memory, so that
//! an application embedding the engine can hand over bytes it received (an upload, a
//! database) and get the same located diagnostics as from a directory.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The files of one workspace, addressed by paths relative to its root.
#[derive(Debug, Clone)]
pub struct Files {
    root: PathBuf,
    memory: Option<Arc<BTreeMap<PathBuf, Vec<u8>>>>,
}

impl Files {
    /// The files under a directory on disk.
    pub fn dir(root: impl Into<PathBuf>) -> Files {
        Files {
            root: root.into(),
            memory: None,
        }
    }

    /// Files held in memory, as `(path relative to the workspace, contents)`: at least
    /// `isms.toml`, and every file it names.
    pub fn memory<P: AsRef<Path>, B: Into<Vec<u8>>>(
        files: impl IntoIterator<Item = (P, B)>,
    ) -> Files {
        let map = files
            .into_iter()
            .map(|(p, b)| (normal(p.as_ref()), b.into()))
            .collect();
        Files {
            root: PathBuf::new(),
            memory: Some(Arc::new(map)),
        }
    }

    /// The root: the directory, or the empty path for files in memory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the files are in memory rather than on disk.
    pub fn in_memory(&self) -> bool {
        self.memory.is_some()
    }

    /// The bytes of the file at `path` (relative to the root, or joined with it): read from
    /// disk, or borrowed from memory without a copy.
    pub(crate) fn read(&self, path: &Path) -> std::io::Result<Cow<'_, [u8]>> {
        match &self.memory {
            None => std::fs::read(path).map(Cow::Owned),
            Some(map) => {
                let relative = path.strip_prefix(&self.root).unwrap_or(path);
                let bytes = map.get(&normal(relative));
                bytes.map(|b| Cow::Borrowed(b.as_slice())).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no such file among the files given",
                    )
                })
            }
        }
    }
}

/// A relative path without `.` components, so that `./a.csv` and `a.csv` name one file.
fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_files_are_found_by_any_spelling_of_their_path() {
        let files = Files::memory([("data/assets.csv", "id\n"), ("isms.toml", "")]);
        assert_eq!(
            *files.read(Path::new("./data/assets.csv")).unwrap(),
            *b"id\n"
        );
        assert!(files.read(Path::new("isms.toml")).is_ok());
        let missing = files.read(Path::new("../etc/passwd")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}
