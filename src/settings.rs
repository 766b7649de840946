//! User settings kept between runs: for now the language of the content.
//!
//! - `settings.json` sits beside `progress.json` in the data directory
//!   (`--data-dir`, else `MLWB_DATA_DIR`, else the platform data dir).
//! - Written atomically: a temporary file in the same directory, fsync,
//!   rename. Keys this build does not know are kept when it saves.
//! - A file that cannot be read is reported and ignored (defaults are
//!   used); it never stops the program.
//!
//! Terminal-free: the TUI and the CLI both use it.

use std::fmt;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The settings file's name inside the data directory.
pub const FILE: &str = "settings.json";

/// Which language the content is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
    /// Chinese first, then English.
    Both,
}

impl Lang {
    /// The next language of the `L` key: 中文 → English → 中文+English → 中文.
    pub fn next(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Both,
            Lang::Both => Lang::Zh,
        }
    }

    /// The name shown in the status line.
    pub fn label(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
            Lang::Both => "中文+English",
        }
    }

    /// The language of a locale: the first non-empty of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` (POSIX order); `zh…` is Chinese, anything
    /// else (or nothing) English.
    pub fn from_locale(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        let locale = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|v| !v.is_empty());
        match locale {
            Some(l) if l.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// [`Lang::from_locale`] on this process's environment.
    pub fn from_env() -> Lang {
        let var = |k: &str| std::env::var(k).ok();
        Lang::from_locale(
            var("LC_ALL").as_deref(),
            var("LC_MESSAGES").as_deref(),
            var("LANG").as_deref(),
        )
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Both => "both",
        })
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "中文" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            "both" => Ok(Lang::Both),
            o => Err(format!("language `{o}`: expected zh, en or both")),
        }
    }
}

/// What `settings.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// Keys written by another version of mlwb: kept as they are.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Read the settings in `dir`. A missing file gives the defaults; a file
/// that cannot be read or parsed gives the defaults and a notice saying why.
pub fn load(dir: &Path) -> (Settings, Option<String>) {
    let path = dir.join(FILE);
    match fs::read(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
        Err(e) => (
            Settings::default(),
            Some(format!(
                "{}: cannot read: {e}; using the default settings",
                path.display()
            )),
        ),
        Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
            Ok(s) => (s, None),
            Err(e) => (
                Settings::default(),
                Some(format!(
                    "{}:{}:{}: {e}; ignored, using the default settings",
                    path.display(),
                    e.line(),
                    e.column()
                )),
            ),
        },
    }
}

/// Write `settings` to `dir` atomically (temporary file, fsync, rename),
/// creating the directory.
pub fn save(dir: &Path, settings: &Settings) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let mut json = serde_json::to_vec_pretty(settings).map_err(|e| e.to_string())?;
    json.push(b'\n');
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("{}: cannot write: {e}", dir.display()))?;
    tmp.write_all(&json).map_err(|e| e.to_string())?;
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    let path = dir.join(FILE);
    tmp.persist(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The language to show: `flag` (a `--lang`), else the saved setting, else
/// the locale. Notices (an unreadable settings file, no data directory)
/// are returned for the caller to show; they never stop anything.
pub fn resolve_lang(flag: Option<Lang>, data_dir: Option<&Path>) -> (Lang, Vec<String>) {
    if let Some(l) = flag {
        return (l, Vec::new());
    }
    let mut notices = Vec::new();
    let saved = match self::data_dir(data_dir) {
        Ok(dir) => {
            let (s, notice) = load(&dir);
            notices.extend(notice);
            s.lang
        }
        Err(_) => None, // no home directory: the locale decides, quietly
    };
    (saved.unwrap_or_else(Lang::from_env), notices)
}

/// Remember `lang` in the settings of the data directory (flag, else
/// `MLWB_DATA_DIR`, else the platform dir), keeping the other settings.
pub fn save_lang(data_dir: Option<&Path>, lang: Lang) -> Result<(), String> {
    let dir = self::data_dir(data_dir)?;
    let (mut s, _) = load(&dir); // a corrupt file is replaced by a good one
    s.lang = Some(lang);
    save(&dir, &s)
}

/// Where progress lives: the flag, else MLWB_DATA_DIR, else the platform
/// data directory.
pub fn data_dir(flag: Option<&std::path::Path>) -> Result<std::path::PathBuf, String> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("MLWB_DATA_DIR").filter(|v| !v.is_empty()) {
        return Ok(std::path::PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "mlwb")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            "no home directory to keep progress in; use --data-dir or MLWB_DATA_DIR".into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_decides_the_default() {
        let l = Lang::from_locale;
        assert_eq!(l(None, None, None), Lang::En);
        assert_eq!(l(None, None, Some("zh_CN.UTF-8")), Lang::Zh);
        assert_eq!(l(None, None, Some("zh_TW")), Lang::Zh);
        assert_eq!(l(None, None, Some("C.UTF-8")), Lang::En);
        assert_eq!(l(None, None, Some("en_GB.UTF-8")), Lang::En);
        // LC_ALL wins over LC_MESSAGES, which wins over LANG; empty is unset.
        assert_eq!(l(Some("en_US"), Some("zh_CN"), Some("zh_CN")), Lang::En);
        assert_eq!(l(Some(""), Some("zh_CN.GB2312"), Some("en_US")), Lang::Zh);
        assert_eq!(l(None, Some("C"), Some("zh_CN")), Lang::En);
        assert_eq!(l(Some("ZH_hk"), None, None), Lang::Zh);
    }

    #[test]
    fn the_key_cycles_through_three_languages() {
        assert_eq!(Lang::Zh.next(), Lang::En);
        assert_eq!(Lang::En.next(), Lang::Both);
        assert_eq!(Lang::Both.next(), Lang::Zh);
        for l in [Lang::Zh, Lang::En, Lang::Both] {
            assert_eq!(l.to_string().parse::<Lang>(), Ok(l));
        }
        assert!("fr".parse::<Lang>().is_err());
    }

    #[test]
    fn saved_atomically_and_read_back_keeping_unknown_keys() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("new");
        fs::create_dir_all(&sub).expect("mkdir");
        fs::write(sub.join(FILE), br#"{"lang": "en", "theme": "dark"}"#).expect("write");
        save_lang(Some(&sub), Lang::Zh).expect("save");
        let (s, notice) = load(&sub);
        assert_eq!(notice, None);
        assert_eq!(s.lang, Some(Lang::Zh));
        assert_eq!(s.other.get("theme"), Some(&serde_json::json!("dark")));
        let names: Vec<String> = fs::read_dir(&sub)
            .expect("ls")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![FILE.to_string()], "no temporary file left");
        assert_eq!(resolve_lang(None, Some(&sub)).0, Lang::Zh);
        assert_eq!(resolve_lang(Some(Lang::Both), Some(&sub)).0, Lang::Both);
        // A directory that does not exist yet is created on save.
        let deeper = dir.path().join("a/b");
        save_lang(Some(&deeper), Lang::Both).expect("save");
        assert_eq!(load(&deeper).0.lang, Some(Lang::Both));
    }

    #[test]
    fn a_corrupt_file_is_reported_and_ignored() {
        let dir = tempfile::tempdir().expect("tmp");
        fs::write(dir.path().join(FILE), b"{\"lang\": \"fr\"}").expect("write");
        let (s, notice) = load(dir.path());
        assert_eq!(s, Settings::default());
        let notice = notice.expect("a notice");
        assert!(notice.contains("settings.json:1:"), "{notice}");
        assert!(notice.contains("ignored"), "{notice}");
        let (lang, notices) = resolve_lang(None, Some(dir.path()));
        assert_eq!(lang, Lang::from_env());
        assert_eq!(notices.len(), 1);
        fs::write(dir.path().join(FILE), b"\xff\xfe not json").expect("write");
        assert!(load(dir.path()).1.is_some());
        // Saving replaces it with a good file.
        save_lang(Some(dir.path()), Lang::En).expect("save");
        assert_eq!(
            load(dir.path()),
            (
                Settings {
                    lang: Some(Lang::En),
                    other: Default::default()
                },
                None
            )
        );
    }
}
