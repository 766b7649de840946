//! Bounded reads: every loader reads its file through [`read_bounded`],
//! which refuses what is not a regular file (a FIFO with no writer would
//! block for ever, `/dev/zero` never ends) by its type before opening it,
//! and refuses files over a size limit instead of filling memory.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default limit: 512 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

static MAX_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_BYTES);

/// The current limit in bytes.
pub fn max_bytes() -> u64 {
    MAX_BYTES.load(Ordering::Relaxed)
}

/// Change the limit for every loader of this process (`--max-bytes`).
pub fn set_max_bytes(limit: u64) {
    MAX_BYTES.store(limit.max(1), Ordering::Relaxed);
}

/// Parse a size such as `512M`, `2G`, `100k` or a plain number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_lowercase() {
                'k' => 1 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                'b' => 1,
                _ => return Err(format!("`{s}`: expected bytes, or a number with k, M or G")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    match num.trim().parse::<u64>() {
        Ok(n) if n > 0 => n
            .checked_mul(mult)
            .ok_or_else(|| format!("`{s}`: too large")),
        _ => Err(format!(
            "`{s}`: expected a positive size such as 512M or 2G"
        )),
    }
}

fn human(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else {
        format!("{n} bytes")
    }
}

/// Why a file was not read; the text names the file's problem and the fix.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    read_with_limit(path, max_bytes())
}

/// [`read_bounded`] with an explicit limit.
pub fn read_with_limit(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let (f, len) = open_checked(path, limit)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // A file that grows while we read it is still cut at the limit.
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "the file grew past the read limit of {} while being read; raise it with --max-bytes",
            human(limit)
        ));
    }
    Ok(bytes)
}

/// The same checks as [`read_with_limit`] (a regular file, not over
/// `limit`), then the open file, for a loader that streams it; the caller
/// reads at most `limit` bytes.
pub fn open_bounded(path: &Path, limit: u64) -> Result<std::fs::File, String> {
    open_checked(path, limit).map(|(f, _)| f)
}

fn open_checked(path: &Path, limit: u64) -> Result<(std::fs::File, u64), String> {
    // `metadata` follows symlinks and never opens the file, so a FIFO is
    // seen for what it is without blocking on it.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "not a regular file ({}); give the path of a data file",
            file_type_name(&meta)
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "the file is {}, over the read limit of {}; raise the limit with --max-bytes (e.g. --max-bytes 2G)",
            human(meta.len()),
            human(limit)
        ));
    }
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    Ok((f, meta.len()))
}

fn file_type_name(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a plain file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("5q").is_err());
    }

    #[test]
    fn over_the_limit_is_refused_with_the_flag_named() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("a.csv");
        std::fs::write(&p, "a,b\n1,2\n").expect("write");
        assert_eq!(read_with_limit(&p, 100).expect("fits"), b"a,b\n1,2\n");
        let e = read_with_limit(&p, 4).expect_err("too big");
        assert!(e.contains("--max-bytes") && e.contains("8 bytes"), "{e}");
        let e = read_with_limit(dir.path(), 100).expect_err("dir");
        assert!(e.contains("a directory"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_without_blocking() {
        let e = read_with_limit(Path::new("/dev/zero"), 100).expect_err("device");
        assert!(e.contains("character device"), "{e}");
        let dir = tempfile::tempdir().expect("dir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if made {
            // No writer: opening it would block; we must not open it.
            let e = read_with_limit(&fifo, 100).expect_err("fifo");
            assert!(e.contains("FIFO"), "{e}");
        }
    }
}
