//! The experiment pane: pick dataset, algorithm and parameters, run in the
//! background, watch the loss curve and read the results (metrics, the
//! confusion matrix as a heat map with the rows behind a cell, decision
//! regions or a PCA projection).

use std::time::Instant;

use crate::algos::Step;
use crate::content::ExperimentRef;
use crate::data::scale::Scale;
use crate::data::{manifest, DatasetKind, Missing};
use crate::experiment::{CellMembers, Config, Event, Report};
use crate::labs::LabOutcome;
use crate::registry::{self, ParamKind, Task};

/// A field of the setup line the user can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Preset,
    Dataset,
    Algo,
    Scale,
    Param(usize),
    Seed,
    /// Missing values in a user's CSV: refuse, drop or mean.
    Missing,
    /// k-fold cross-validation (0 = off).
    Cv,
    /// A held-out test file (`--test`): fit on the dataset, evaluate on it.
    TestFile,
    /// An unlabelled file to write a submission for (`--predict`, key `w`).
    PredictFile,
}

/// What the curve panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveView {
    Training,
    Roc,
    Pr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpFocus {
    Setup,
    Matrix,
}

pub struct ExperimentPane {
    /// Topic the pane was opened from.
    pub topic: usize,
    pub presets: Vec<ExperimentRef>,
    pub preset: usize,
    pub datasets: Vec<String>,
    pub config: Config,
    pub field: usize,
    pub focus: ExpFocus,
    /// Text being typed for the selected field (Enter to edit).
    pub editing: Option<String>,
    /// The id of the run in progress (its events carry it).
    pub running: Option<u64>,
    /// Ids handed to runs and learning curves, so late events of an
    /// abandoned run are told apart.
    pub next_run: u64,
    pub started: Option<Instant>,
    /// The time of the last tick (time comes in with `Msg::Tick`).
    pub now: Option<Instant>,
    pub progress: Option<Step>,
    /// What the run is doing before its first progress step.
    pub stage: Option<String>,
    /// (bytes parsed, file size) while the dataset file loads; cleared by
    /// the next stage.
    pub loading: Option<(u64, u64)>,
    /// (iteration, value) of the run in progress or the last one.
    pub curve: Vec<(f64, f64)>,
    pub curve_metric: &'static str,
    pub report: Option<Box<Report>>,
    /// The latest snapshot of a running lab (its curves fill in live).
    pub lab_live: Option<Box<crate::labs::LabOutcome>>,
    pub error: Option<String>,
    /// What the last preset change did to the setup (shown until the next
    /// change or run).
    pub notice: Option<String>,
    /// The setup (see [`ExperimentPane::setup_key`]) of the run in progress
    /// and of the report shown: a report whose setup differs is stale.
    pub run_setup: Option<String>,
    pub report_setup: Option<String>,
    /// The last run was cancelled (`error` then says only "cancelled").
    pub cancelled: bool,
    /// Selected confusion-matrix cell (truth row, predicted column).
    pub cell: (usize, usize),
    pub curve_view: CurveView,
    /// The Viterbi / forward trellis on the first casino rolls, stepped
    /// through one column at a time.
    pub trellis: Option<TrellisView>,
    /// The data pane (`D`): the dataset's columns as `mlwb inspect` shows them.
    pub data_view: Option<DataView>,
    /// HMM vs CRF entity F1 over growing training sets (computed in the
    /// background; `L`).
    pub learning: Option<LearningJob>,
    /// The unlabelled file `w` writes a submission for.
    pub predict: Option<String>,
    /// The submission being written: its run id and output path.
    pub writing: Option<(u64, std::path::PathBuf)>,
    /// Every algorithm of the task on the setup's dataset (`A`).
    pub compare: Option<super::compare::CompareView>,
    /// Whether the learning curve also trains the BiLSTM-CRF (on by
    /// default; its fits are the slow part).
    pub curve_neural: bool,
    /// First test sentence shown in the tagging view.
    pub sentence_offset: usize,
    /// Lab: the panel drawn big (an index into [`lab_panels`]).
    pub lab_panel: usize,
    /// Lab: rows scrolled in the big panel (table rows, rows of small
    /// multiples, notice lines).
    pub lab_scroll: usize,
    /// Lab: table columns scrolled off to the left.
    pub lab_hscroll: usize,
}

/// One panel of a lab's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabPanel {
    /// `outcome.charts[i]`.
    Chart(usize),
    /// `outcome.scatters[i]`.
    Scatter(usize),
    /// The heat maps of one group, side by side.
    Heatmaps(String),
    /// The histograms of one group (one per layer, say).
    Histograms(String),
    /// `outcome.tables[i]`.
    Table(usize),
    /// The confusion matrix of `outcome.classification`.
    Matrix,
    /// The "what to notice" lines.
    Notices,
    /// Every key figure, one after another (the status block above the
    /// panels shows as many as leave the big panel room).
    Figures,
}

/// The panels of an outcome, in the order the keys `1`-`9` pick them.
pub fn lab_panels(o: &LabOutcome) -> Vec<LabPanel> {
    let mut v: Vec<LabPanel> = (0..o.charts.len()).map(LabPanel::Chart).collect();
    v.extend((0..o.scatters.len()).map(LabPanel::Scatter));
    let groups = |keys: Vec<&str>, make: fn(String) -> LabPanel, v: &mut Vec<LabPanel>| {
        let mut seen: Vec<&str> = Vec::new();
        for g in keys {
            if !seen.contains(&g) {
                seen.push(g);
                v.push(make(g.to_string()));
            }
        }
    };
    groups(
        o.heatmaps.iter().map(|h| h.group.as_str()).collect(),
        LabPanel::Heatmaps,
        &mut v,
    );
    groups(
        o.histograms.iter().map(|h| h.group.as_str()).collect(),
        LabPanel::Histograms,
        &mut v,
    );
    v.extend((0..o.tables.len()).map(LabPanel::Table));
    if o.classification.is_some() {
        v.push(LabPanel::Matrix);
    }
    if !o.notices.is_empty() {
        v.push(LabPanel::Notices);
    }
    if !o.figures.is_empty() {
        v.push(LabPanel::Figures);
    }
    v
}

/// Step-by-step dynamic programming on a short observation sequence.
pub struct TrellisView {
    pub states: Vec<String>,
    pub rolls: Vec<usize>,
    pub truth: Vec<usize>,
    pub viterbi: crate::seq::hmm::Trellis,
    pub forward: crate::seq::hmm::ForwardTrellis,
    /// The model the tables were computed with (the formulas are filled in
    /// from it).
    pub hmm: crate::seq::hmm::Hmm,
    /// Columns revealed so far (1..=T); the last one holds the chosen cell.
    pub step: usize,
    /// The chosen cell's state in the last revealed column (↑/↓).
    pub state: usize,
    pub show_forward: bool,
}

/// The data pane: a title and the inspection's lines (or why there are
/// none). The profiling runs in the background (a big file takes a while);
/// until it is done `status` says how far it has got.
#[derive(Debug, Clone)]
pub struct DataView {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
    /// The id the profiling's messages come back with.
    pub run: u64,
    /// While profiling: what has been done so far.
    pub status: Option<String>,
    /// When the profiling started (set by the first tick).
    pub started: Option<Instant>,
}

impl DataView {
    pub fn is_profiling(&self) -> bool {
        self.status.is_some()
    }
}

impl ExperimentPane {
    /// Open the data pane on the setup's dataset: returns (run id, dataset,
    /// CSV options) for the event loop to profile in the background.
    pub fn open_data_view(&mut self) -> (u64, String, crate::data::CsvOptions) {
        let dataset = self.config.dataset.clone();
        let run = self.take_run_id();
        self.data_view = Some(DataView {
            title: format!("data: {dataset} (D or Esc closes)"),
            lines: Vec::new(),
            scroll: 0,
            run,
            status: Some(format!("profiling {dataset}: reading the file…")),
            started: self.now,
        });
        (run, dataset, self.config.csv.clone())
    }

    /// How far profiling `run` has got.
    pub fn data_progress(&mut self, run: u64, stage: crate::data::inspect::Stage) {
        use crate::data::inspect::Stage;
        let Some(d) = self.data_view.as_mut().filter(|d| d.run == run) else {
            return;
        };
        if d.status.is_none() {
            return;
        }
        let dataset = &self.config.dataset;
        d.status = Some(match stage {
            Stage::Read { rows, columns } => {
                format!("profiling {dataset}: {rows} rows, {columns} columns read…")
            }
            Stage::Column { done, total } => {
                format!("profiling {dataset}: column {done} of {total}…")
            }
        });
    }

    /// Profiling `run` finished (or failed).
    pub fn data_profiled(
        &mut self,
        run: u64,
        result: Result<crate::data::inspect::Inspection, String>,
    ) {
        let Some(d) = self.data_view.as_mut().filter(|d| d.run == run) else {
            return;
        };
        d.status = None;
        match result {
            Ok(r) => {
                d.title = format!("data: {} (D or Esc closes, ↑↓ scroll)", r.name);
                d.lines = crate::data::inspect::text_lines(&r);
            }
            Err(e) => d.lines = vec![e],
        }
    }
}

/// Number of casino rolls in the trellis view.
pub const TRELLIS_STEPS: usize = 12;

impl TrellisView {
    pub fn new() -> Result<TrellisView, String> {
        let casino = crate::experiment::tagging::casino().map_err(|e| e.to_string())?;
        let rolls: Vec<usize> = casino.rolls.iter().take(TRELLIS_STEPS).copied().collect();
        let text = crate::data::bundled_file("casino_model.json")
            .ok_or("casino_model.json is not bundled")?;
        let (hmm, _) = crate::seq::hmm_io::parse_model(
            &String::from_utf8_lossy(text),
            "datasets/casino_model.json",
        )
        .map_err(|e| e.to_string())?;
        Ok(TrellisView {
            viterbi: hmm.viterbi_trellis(&rolls).map_err(|e| e.to_string())?,
            forward: hmm.forward_trellis(&rolls).map_err(|e| e.to_string())?,
            truth: casino.truth.iter().take(TRELLIS_STEPS).copied().collect(),
            states: casino.states,
            rolls,
            hmm,
            step: 1,
            state: 0,
            show_forward: false,
        })
    }

    /// Reveal columns up to `step` (clamped to 1..=T).
    pub fn go_to(&mut self, step: usize) {
        self.step = step.clamp(1, self.rolls.len().max(1));
    }

    /// Choose the state of the chosen cell (↑ = -1, ↓ = +1), clamped.
    pub fn move_state(&mut self, delta: isize) {
        let n = self.states.len().max(1) as isize;
        self.state = (self.state as isize + delta).clamp(0, n - 1) as usize;
    }

    /// The chosen cell: (column, state).
    pub fn chosen(&self) -> (usize, usize) {
        (self.step.saturating_sub(1), self.state)
    }

    /// The best path ending in the chosen cell, following back-pointers:
    /// the state at each column 0..=column.
    pub fn back_path(&self) -> Vec<usize> {
        let (col, state) = self.chosen();
        let mut path = vec![state];
        let mut s = state;
        for t in (1..=col).rev() {
            s = self.viterbi.psi[(t, s)];
            path.push(s);
        }
        path.reverse();
        path
    }

    /// The back-pointer of cell (column, state) as an arrow pointing where
    /// it comes from: the same state `←`, a state drawn above `↖`, below `↙`
    /// (a blank in the first column).
    pub fn arrow(&self, col: usize, state: usize) -> char {
        if col == 0 {
            return ' ';
        }
        match self.viterbi.psi[(col, state)].cmp(&state) {
            std::cmp::Ordering::Less => '↖',
            std::cmp::Ordering::Greater => '↙',
            std::cmp::Ordering::Equal => '←',
        }
    }

    /// The first column drawn when `cols` columns fit: the chosen column
    /// is always visible (the view scrolls with it).
    pub fn first_column(&self, cols: usize) -> usize {
        let (col, _) = self.chosen();
        (col + 1).saturating_sub(cols.max(1))
    }
}

pub struct LearningJob {
    pub result: Option<Result<crate::experiment::tagging::LearningCurve, String>>,
    /// The id its result comes back with.
    pub run: u64,
    pub dataset: String,
}

fn runnable_datasets() -> Vec<String> {
    manifest()
        .iter()
        .filter(|d| d.kind.is_runnable())
        .map(|d| d.name.clone())
        .collect()
}

impl ExperimentPane {
    pub fn new(topic: usize, presets: Vec<ExperimentRef>) -> ExperimentPane {
        let mut pane = ExperimentPane {
            topic,
            presets,
            preset: 0,
            datasets: runnable_datasets(),
            config: Config::default(),
            field: 0,
            focus: ExpFocus::Setup,
            editing: None,
            running: None,
            next_run: 1,
            started: None,
            now: None,
            progress: None,
            stage: None,
            loading: None,
            curve: Vec::new(),
            curve_metric: "",
            report: None,
            lab_live: None,
            error: None,
            notice: None,
            run_setup: None,
            report_setup: None,
            cancelled: false,
            cell: (0, 0),
            curve_view: CurveView::Training,
            trellis: None,
            data_view: None,
            learning: None,
            predict: None,
            writing: None,
            compare: None,
            curve_neural: true,
            sentence_offset: 0,
            lab_panel: 0,
            lab_scroll: 0,
            lab_hscroll: 0,
        };
        pane.apply_preset();
        pane
    }

    fn apply_preset(&mut self) {
        if let Some(p) = self.presets.get(self.preset) {
            self.config = Config {
                algo: p.algo.clone(),
                dataset: p.dataset.clone(),
                params: p
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.0.clone()))
                    .collect(),
                scale: p.scale.as_deref().and_then(|s| s.parse().ok()),
                ..Config::default()
            };
        }
    }

    pub fn spec(&self) -> Option<&'static registry::AlgoSpec> {
        registry::find(&self.config.algo)
    }

    /// Everything in the setup that changes a run's numbers, as one string
    /// (parameters with their defaults filled in, so `c=1` and an unset `c`
    /// are the same setup).
    pub fn setup_key(&self) -> String {
        let c = &self.config;
        let params = self
            .spec()
            .and_then(|s| s.values(&c.params).ok())
            .map_or_else(|| format!("{:?}", c.params), |v| format!("{v:?}"));
        format!(
            "{}|{}|{params}|{:?}|{}|{}|{:?}|{:?}|{:?}",
            c.algo, c.dataset, c.scale, c.seed, c.test_size, c.cv, c.csv.missing, c.text
        )
    }

    /// The report on screen was made with another setup than the one shown.
    pub fn is_stale(&self) -> bool {
        self.report.is_some() && self.report_setup.as_deref() != Some(self.setup_key().as_str())
    }

    /// Choose preset `i` and say what it changed.
    fn choose_preset(&mut self, i: usize) {
        let before: Vec<(String, String)> = self.setup_summary();
        self.preset = i;
        self.apply_preset();
        let after = self.setup_summary();
        let mut changes: Vec<String> = Vec::new();
        for (name, new) in &after {
            let old = before
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str());
            if old != Some(new.as_str()) {
                changes.push(format!("{name} {} → {new}", old.unwrap_or("default")));
            }
        }
        for (name, old) in &before {
            if !after.iter().any(|(n, _)| n == name) {
                changes.push(format!("{name} {old} → default"));
            }
        }
        self.notice = Some(format!(
            "preset {}/{} set {}",
            i + 1,
            self.presets.len(),
            if changes.is_empty() {
                "nothing new".to_string()
            } else {
                changes.join(" · ")
            }
        ));
    }

    /// (name, value) of the setup fields a preset sets.
    fn setup_summary(&self) -> Vec<(String, String)> {
        let c = &self.config;
        let mut v = vec![
            ("dataset".to_string(), c.dataset.clone()),
            ("algo".to_string(), c.algo.clone()),
            (
                "scale".to_string(),
                c.scale.map_or("none", Scale::name).to_string(),
            ),
        ];
        v.extend(c.params.iter().map(|(k, x)| (k.clone(), x.clone())));
        v
    }

    pub fn fields(&self) -> Vec<Field> {
        let mut f = Vec::new();
        if self.presets.len() > 1 {
            f.push(Field::Preset);
        }
        if self.is_lab() {
            // A lab: its dataset only when it takes one; no scaling, CV or
            // missing values (it prepares its own data).
            if !self.lab_datasets().is_empty() {
                f.push(Field::Dataset);
            }
            f.push(Field::Algo);
            if let Some(spec) = self.spec() {
                f.extend((0..spec.params.len()).map(Field::Param));
            }
            f.push(Field::Seed);
            return f;
        }
        // Sequence models read no feature table: scaling, k-fold CV and
        // missing-value handling do not apply to them.
        let tagging = self.task() == Some(Task::Tagging);
        f.extend([Field::Dataset, Field::Algo]);
        if !tagging {
            f.push(Field::Scale);
        }
        if let Some(spec) = self.spec() {
            f.extend((0..spec.params.len()).map(Field::Param));
        }
        f.push(Field::Seed);
        if !tagging {
            f.extend([Field::Cv, Field::Missing]);
        }
        f.push(Field::TestFile);
        if !tagging {
            f.push(Field::PredictFile);
        }
        f
    }

    /// The algorithm is a lab (`Task::Lab`).
    pub fn is_lab(&self) -> bool {
        self.task() == Some(Task::Lab)
    }

    /// The bundled datasets the lab accepts (default first); empty when it
    /// makes its own data or is not a lab.
    pub fn lab_datasets(&self) -> &'static [&'static str] {
        self.lab_data().0
    }

    /// A lab's datasets, and whether an empty choice runs all of them.
    fn lab_data(&self) -> (&'static [&'static str], bool) {
        let Some(r) = registry::lookup(&self.config.algo) else {
            return (&[], false);
        };
        let prepared = r.prepare(&self.config.params).or_else(|_| r.prepare(&[]));
        match prepared {
            Ok((_, registry::Prepared::Lab(l))) => (l.datasets(), l.all_by_default()),
            _ => (&[], false),
        }
    }

    /// After the algorithm changed: a lab starts on its default data, a
    /// table algorithm leaving a lab gets a dataset again.
    fn fit_dataset_to_algo(&mut self) {
        if self.is_lab() {
            let ok = self.lab_datasets();
            if !ok.contains(&self.config.dataset.as_str()) {
                self.config.dataset = String::new();
            }
            self.config.scale = None;
            self.config.cv = None;
        } else if self.config.dataset.is_empty() {
            self.config.dataset = "iris".into();
        }
        self.lab_panel = 0;
        self.lab_scroll = 0;
        self.lab_hscroll = 0;
    }

    /// The lab outcome to draw: the live snapshot while running (or after a
    /// cancel or failure), else the finished report's.
    pub fn lab_outcome(&self) -> Option<&LabOutcome> {
        let finished = self.report.as_deref().and_then(Report::lab);
        if self.is_running() || self.error.is_some() {
            self.lab_live.as_deref().or(finished)
        } else {
            finished.or(self.lab_live.as_deref())
        }
    }

    /// The lab panels of the outcome drawn.
    pub fn lab_panels(&self) -> Vec<LabPanel> {
        self.lab_outcome().map(lab_panels).unwrap_or_default()
    }

    /// Make panel `i` (wrapping) the big one.
    pub fn select_lab_panel(&mut self, i: isize) {
        let n = self.lab_panels().len() as isize;
        if n > 0 {
            self.lab_panel = i.rem_euclid(n) as usize;
            self.lab_scroll = 0;
            self.lab_hscroll = 0;
        }
    }

    /// The topic the lab's notices link to (the first one named).
    pub fn notice_topic(&self) -> Option<String> {
        self.lab_outcome()?
            .notices
            .iter()
            .find_map(|n| n.topic.clone())
    }

    pub fn selected_field(&self) -> Field {
        let f = self.fields();
        f.get(self.field.min(f.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Field::Dataset)
    }

    /// The current value of a parameter as text (given or default).
    pub fn param_value(&self, name: &str) -> String {
        if let Some((_, v)) = self.config.params.iter().find(|(k, _)| k == name) {
            return v.clone();
        }
        self.spec()
            .and_then(|s| s.params.iter().find(|p| p.name == name))
            .map(|p| p.default.to_string())
            .unwrap_or_default()
    }

    fn set_param(&mut self, name: &str, value: String) {
        if let Some(slot) = self.config.params.iter_mut().find(|(k, _)| k == name) {
            slot.1 = value;
        } else {
            self.config.params.push((name.to_string(), value));
        }
    }

    pub fn label(&self, f: Field) -> (String, String) {
        match f {
            Field::Preset => (
                "preset".into(),
                format!("{}/{}", self.preset + 1, self.presets.len()),
            ),
            // A lab's empty dataset is its default, named.
            Field::Dataset if self.config.dataset.is_empty() && self.is_lab() => (
                "dataset".into(),
                match self.lab_data() {
                    (sets, true) => format!("all {} sets", sets.len()),
                    (sets, false) => sets.first().copied().unwrap_or("").to_string(),
                },
            ),
            Field::Dataset => ("dataset".into(), self.config.dataset.clone()),
            Field::Algo => ("algo".into(), self.config.algo.clone()),
            Field::Scale => (
                "scale".into(),
                self.config.scale.map_or("none", Scale::name).to_string(),
            ),
            Field::Param(i) => {
                let name = self
                    .spec()
                    .and_then(|s| s.params.get(i))
                    .map_or("", |p| p.name);
                (name.to_string(), self.param_value(name))
            }
            Field::Seed => ("seed".into(), self.config.seed.to_string()),
            Field::Cv => (
                "cv".into(),
                self.config.cv.map_or("off".into(), |k| k.to_string()),
            ),
            Field::Missing => ("missing".into(), self.config.csv.missing.name().into()),
            Field::TestFile => (
                "test".into(),
                self.config
                    .test_file
                    .clone()
                    .unwrap_or_else(|| "none".into()),
            ),
            Field::PredictFile => (
                "predict".into(),
                self.predict.clone().unwrap_or_else(|| "none".into()),
            ),
        }
    }

    pub fn next_field(&mut self, delta: isize) {
        let n = self.fields().len() as isize;
        if n > 0 {
            self.field = (self.field as isize + delta).rem_euclid(n) as usize;
        }
    }

    /// Step the selected field's value up or down: the next choice, or a
    /// number up/down (×2 or ÷2 for positive reals, ±1 for whole numbers).
    pub fn step_value(&mut self, up: bool) {
        let cycle = |list: &[String], cur: &str| -> String {
            let i = list.iter().position(|x| x == cur).unwrap_or(0);
            let n = list.len().max(1);
            let j = if up { (i + 1) % n } else { (i + n - 1) % n };
            list.get(j).cloned().unwrap_or_default()
        };
        self.notice = None;
        match self.selected_field() {
            Field::Preset => {
                let n = self.presets.len().max(1);
                let i = if up {
                    (self.preset + 1) % n
                } else {
                    (self.preset + n - 1) % n
                };
                self.choose_preset(i);
            }
            Field::Dataset if self.is_lab() => {
                let (sets, all) = self.lab_data();
                // "" (every set) is a choice of its own for a lab that
                // compares across sets.
                let list: Vec<String> = all
                    .then(String::new)
                    .into_iter()
                    .chain(sets.iter().map(|d| d.to_string()))
                    .collect();
                self.config.dataset = cycle(&list, &self.config.dataset);
            }
            Field::Dataset => self.config.dataset = cycle(&self.datasets, &self.config.dataset),
            Field::Algo => {
                let names: Vec<String> = registry::algos().map(|a| a.name.to_string()).collect();
                self.config.algo = cycle(&names, &self.config.algo);
                self.config.params.clear();
                self.fit_dataset_to_algo();
                self.field = self.field.min(self.fields().len().saturating_sub(1));
            }
            Field::Scale => {
                let mut names = vec!["none".to_string()];
                names.extend(Scale::NAMES.iter().map(|s| s.to_string()));
                let cur = self.config.scale.map_or("none", Scale::name).to_string();
                self.config.scale = cycle(&names, &cur).parse().ok();
            }
            Field::Seed => {
                self.config.seed = if up {
                    self.config.seed.saturating_add(1)
                } else {
                    self.config.seed.saturating_sub(1)
                }
            }
            Field::Cv => {
                let k = self.config.cv.unwrap_or(0);
                let k = if up {
                    (k.max(1) + 1).min(20)
                } else {
                    k.saturating_sub(1)
                };
                self.config.cv = (k >= 2).then_some(k);
            }
            // A path is typed (Enter); stepping clears it.
            Field::TestFile => self.config.test_file = None,
            Field::PredictFile => self.predict = None,
            Field::Missing => {
                let list: Vec<String> = Missing::ALL.iter().map(|m| m.name().to_string()).collect();
                let (_, cur) = self.label(Field::Missing);
                self.config.csv.missing = cycle(&list, &cur).parse().unwrap_or_default();
            }
            Field::Param(i) => {
                let Some(p) = self.spec().and_then(|s| s.params.get(i)).copied() else {
                    return;
                };
                let cur = self.param_value(p.name);
                let next = match p.kind {
                    ParamKind::Choice { options } => {
                        let list: Vec<String> = options.iter().map(|s| s.to_string()).collect();
                        cycle(&list, &cur)
                    }
                    ParamKind::Int { min, max } => {
                        let v: i64 = cur.parse().unwrap_or(min);
                        let v = if up {
                            v.saturating_add(1)
                        } else {
                            v.saturating_sub(1)
                        };
                        v.clamp(min, max).to_string()
                    }
                    ParamKind::Float { min, max, .. } => {
                        let v: f64 = cur.parse().unwrap_or(1.0);
                        let v = if v > 0.0 {
                            if up {
                                v * 2.0
                            } else {
                                v / 2.0
                            }
                        } else if up {
                            0.1
                        } else {
                            v
                        };
                        let v = v.clamp(min, max);
                        format!("{}", (v * 1e6).round() / 1e6)
                    }
                    // Text is typed (Enter), not stepped.
                    ParamKind::Text { .. } => cur.clone(),
                };
                // Only to a value the spec accepts (the same check as a run's).
                if p.parse(&next).is_ok() {
                    self.set_param(p.name, next);
                }
            }
        }
    }

    /// Start typing a value for the selected field.
    pub fn begin_edit(&mut self) {
        let (_, v) = self.label(self.selected_field());
        self.editing = Some(v);
    }

    /// What the selected field accepts, shown while typing.
    pub fn field_range(&self) -> String {
        match self.selected_field() {
            Field::Preset => format!("1..{}", self.presets.len()),
            Field::Dataset => "a bundled dataset or a CSV path".into(),
            Field::Algo => "an algorithm name".into(),
            Field::Scale => format!("none, {}", Scale::NAMES.join(", ")),
            Field::Seed => "a whole number ≥ 0".into(),
            Field::Cv => "0 (off) or 2..50 folds".into(),
            Field::Missing => "refuse, drop, mean, median, most-frequent or auto".into(),
            Field::TestFile => {
                "a held-out test file (CSV, text CSV or CoNLL) to evaluate on, or none to split the dataset (↑↓ clears)".into()
            }
            Field::PredictFile => {
                "an unlabelled CSV with the training columns; w fits on all of the dataset and writes submission.csv beside it (↑↓ clears)".into()
            }
            Field::Param(i) => match self.spec().and_then(|s| s.params.get(i)).map(|p| p.kind) {
                Some(ParamKind::Int { min, max }) => format!("whole number {min}..{max}"),
                Some(ParamKind::Float {
                    min,
                    max,
                    min_exclusive,
                }) => {
                    let lo = if min_exclusive { "(" } else { "[" };
                    format!("number in {lo}{min}, {max}]")
                }
                Some(ParamKind::Choice { options }) => options.join(", "),
                Some(ParamKind::Text { max_chars }) => {
                    format!("text, up to {max_chars} characters")
                }
                None => String::new(),
            },
        }
    }

    /// Apply the typed value. A bad one is refused with the reason (the
    /// registry's own parameter check) and left open to fix: returns false.
    pub fn commit_edit(&mut self) -> bool {
        let Some(text) = self.editing.clone() else {
            return true;
        };
        let text = text.trim().to_string();
        let refuse = |pane: &mut ExperimentPane, why: String| {
            pane.error = Some(why);
            false
        };
        match self.selected_field() {
            Field::Dataset => self.config.dataset = text,
            Field::TestFile => {
                self.config.test_file = (!text.is_empty() && text != "none").then_some(text)
            }
            Field::PredictFile => {
                self.predict = (!text.is_empty() && text != "none").then_some(text)
            }
            Field::Algo => {
                if registry::find(&text).is_none() {
                    return refuse(self, format!("algo: no algorithm called `{text}`"));
                }
                self.config.algo = text;
                self.config.params.clear();
                self.fit_dataset_to_algo();
            }
            Field::Scale => {
                if text == "none" {
                    self.config.scale = None;
                } else {
                    match text.parse() {
                        Ok(s) => self.config.scale = Some(s),
                        Err(_) => {
                            return refuse(
                                self,
                                format!("scale: `{text}`: expected {}", self.field_range()),
                            )
                        }
                    }
                }
            }
            Field::Seed => match text.parse() {
                Ok(s) => self.config.seed = s,
                Err(_) => return refuse(self, format!("seed: `{text}` is not a whole number")),
            },
            Field::Param(i) => {
                let Some(name) = self.spec().and_then(|s| s.params.get(i)).map(|p| p.name) else {
                    return true;
                };
                let mut trial = self.config.params.clone();
                match trial.iter_mut().find(|(k, _)| k == name) {
                    Some(slot) => slot.1 = text.clone(),
                    None => trial.push((name.to_string(), text.clone())),
                }
                if let Some(Err(e)) = self.spec().map(|s| s.values(&trial)) {
                    return refuse(self, e.to_string());
                }
                self.set_param(name, text);
            }
            Field::Cv => match text.parse::<usize>() {
                Ok(k) if k == 0 || (2..=50).contains(&k) => self.config.cv = (k >= 2).then_some(k),
                _ => {
                    return refuse(
                        self,
                        format!("cv: `{text}`: expected 0 (off) or 2..50 folds"),
                    )
                }
            },
            Field::Missing => match text.parse() {
                Ok(m) => self.config.csv.missing = m,
                Err(e) => return refuse(self, format!("missing: {e}")),
            },
            Field::Preset => match text.parse::<usize>() {
                Ok(k) if (1..=self.presets.len()).contains(&k) => self.choose_preset(k - 1),
                _ => {
                    return refuse(
                        self,
                        format!("preset: `{text}`: expected 1..{}", self.presets.len()),
                    )
                }
            },
        }
        self.editing = None;
        self.error = None;
        true
    }

    /// Close the trellis view; returns false when it was closed (the
    /// caller then asks for the model to be loaded).
    pub fn close_trellis(&mut self) -> bool {
        self.trellis.take().is_some()
    }

    /// The trellis the event loop loaded (or why not).
    pub fn trellis_loaded(&mut self, t: Result<TrellisView, String>) {
        match t {
            Ok(t) => self.trellis = Some(t),
            Err(e) => self.error = Some(e),
        }
    }

    /// Reveal one more (or one fewer) column of the trellis.
    pub fn step_trellis(&mut self, forward: bool) -> bool {
        let Some(t) = &mut self.trellis else {
            return false;
        };
        let step = if forward {
            t.step + 1
        } else {
            t.step.saturating_sub(1)
        };
        t.go_to(step);
        true
    }

    /// Ask for the HMM vs CRF learning curve: returns (run id, dataset)
    /// for the event loop to start in the background.
    /// `w`: the setup, the file to predict and where the submission goes
    /// (`submission.csv` beside that file), or why it cannot start.
    pub fn start_submission(
        &mut self,
    ) -> Result<(u64, Config, String, std::path::PathBuf), String> {
        if self.is_lab() || self.task() == Some(Task::Tagging) {
            return Err(format!(
                "`{}` does not predict table rows; a submission needs a classifier or a regressor",
                self.config.algo
            ));
        }
        let Some(predict) = self.predict.clone() else {
            return Err(
                "set the predict field first: an unlabelled CSV with the training columns (→ to the field, Enter to type the path)"
                    .into(),
            );
        };
        let dir = std::path::Path::new(&predict)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let out = dir.join("submission.csv");
        let run = self.take_run_id();
        self.writing = Some((run, out.clone()));
        self.error = None;
        self.notice = Some(format!(
            "fitting {} on all of {} and predicting {predict}…",
            self.config.algo, self.config.dataset
        ));
        Ok((run, self.config.clone(), predict, out))
    }

    /// The submission job `run` ended: what was written, or why not.
    pub fn submission_done(
        &mut self,
        run: u64,
        result: Result<crate::experiment::heldout::Submission, String>,
    ) {
        if self.writing.as_ref().map(|w| w.0) != Some(run) {
            return;
        }
        self.writing = None;
        match result {
            Ok(s) => {
                // The count and the header first: a long path is what a
                // narrow status line cuts.
                let mut line = format!(
                    "wrote {} rows ({}) to {}, fitted on {} rows in {:.1} s",
                    s.rows,
                    s.header.join(","),
                    s.out,
                    s.n_train,
                    s.fit_seconds
                );
                if !s.notes.is_empty() {
                    line.push_str(&format!(" · {}", s.notes.join(" · ")));
                }
                self.error = None;
                self.notice = Some(line);
            }
            Err(e) => {
                self.notice = None;
                self.error = Some(format!("submission not written: {e}"));
            }
        }
    }

    pub fn start_learning_curve(&mut self) -> (u64, String) {
        let dataset = match manifest()
            .iter()
            .find(|d| d.name == self.config.dataset && d.kind == DatasetKind::Conll)
        {
            Some(d) => d.name.clone(),
            None => "ner_synthetic".to_string(),
        };
        let run = self.take_run_id();
        self.learning = Some(LearningJob {
            result: None,
            run,
            dataset: dataset.clone(),
        });
        (run, dataset)
    }

    /// The learning curve's result, if it is for the job asked last.
    pub fn learning_done(
        &mut self,
        run: u64,
        result: Result<crate::experiment::tagging::LearningCurve, String>,
    ) {
        if let Some(job) = &mut self.learning {
            if job.run == run && job.result.is_none() {
                job.result = Some(result);
            }
        }
    }

    fn take_run_id(&mut self) -> u64 {
        let id = self.next_run;
        self.next_run += 1;
        id
    }

    pub fn cycle_curve(&mut self) {
        self.curve_view = match self.curve_view {
            CurveView::Training => CurveView::Roc,
            CurveView::Roc => CurveView::Pr,
            CurveView::Pr => CurveView::Training,
        };
    }

    /// Prepare a run with the current setup: returns (run id, config) for
    /// the event loop to start (it replaces a run in progress), or None when
    /// a parameter is refused before any work.
    pub fn run(&mut self) -> Option<(u64, Config)> {
        self.running = None;
        // Check parameters now, so a typo is reported before any work.
        if let Some(spec) = self.spec() {
            if let Err(e) = spec.values(&self.config.params) {
                self.error = Some(e.to_string());
                return None;
            }
        }
        self.error = None;
        self.cancelled = false;
        self.progress = None;
        self.stage = None;
        self.loading = None;
        self.curve.clear();
        self.curve_metric = "";
        self.lab_live = None;
        self.started = self.now;
        self.notice = None;
        self.run_setup = Some(self.setup_key());
        let run = self.take_run_id();
        self.running = Some(run);
        Some((run, self.config.clone()))
    }

    /// Seconds since the run started, by the last tick.
    pub fn elapsed(&self) -> Option<f64> {
        Some(
            self.now?
                .saturating_duration_since(self.started?)
                .as_secs_f64(),
        )
    }

    /// One event of run `run`. Returns true if anything changed.
    pub fn on_event(&mut self, run: u64, ev: Event) -> bool {
        if self.running != Some(run) {
            return false;
        }
        match ev {
            Event::Started { .. } => {}
            Event::Stage(what) => {
                self.stage = Some(what);
                self.loading = None;
            }
            Event::Loading { done, total } => self.loading = Some((done, total)),
            Event::Progress(step) => {
                if self.curve_metric != step.metric {
                    self.curve.clear();
                    self.curve_metric = step.metric;
                }
                self.curve.push((step.iter as f64, step.value));
                self.progress = Some(step);
            }
            Event::Lab(partial) => self.lab_live = Some(partial),
            Event::Finished(report) => {
                let n = report.classes.len();
                self.cell = (
                    self.cell.0.min(n.saturating_sub(1)),
                    self.cell.1.min(n.saturating_sub(1)),
                );
                self.report = Some(report);
                self.lab_live = None;
                self.report_setup = self.run_setup.take();
                self.running = None;
            }
            Event::Failed(e) => {
                self.cancelled = e.is_cancelled();
                self.error = Some(e.to_string());
                self.running = None;
            }
        }
        true
    }

    /// Run `run`'s thread ended; if it said nothing final, say so.
    pub fn on_ended(&mut self, run: u64) {
        if self.running == Some(run) {
            self.error
                .get_or_insert_with(|| "the run stopped without a result".into());
            self.running = None;
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub fn move_cell(&mut self, drow: isize, dcol: isize) {
        let n = self
            .report
            .as_ref()
            .and_then(|r| r.confusion_matrix())
            .map_or(0, |c| c.labels.len());
        if n == 0 {
            return;
        }
        let n = n as isize;
        self.cell.0 = (self.cell.0 as isize + drow).clamp(0, n - 1) as usize;
        self.cell.1 = (self.cell.1 as isize + dcol).clamp(0, n - 1) as usize;
    }

    /// Source lines of the test rows behind the selected cell.
    /// What the selected confusion-matrix cell is made of (rows, rolls or
    /// tokens); as many as the cell's count.
    pub fn cell_members(&self) -> CellMembers {
        match &self.report {
            Some(r) => r.cell_members(self.cell.0, self.cell.1),
            None => CellMembers::Rows(Vec::new()),
        }
    }

    pub fn task(&self) -> Option<Task> {
        self.spec().map(|s| s.task)
    }
}
