//! The outputs of a run and of a sweep, listed once: each is one writer behind
//! [`Output`](crate::output::Output), and a command writes the whole list as one set into its
//! folder ([`OutputSet`]). A new output is a writer and a line here.

use super::document::Document;
use super::plot::{Picture, PlotData, is_chart_file, run_charts};
use super::results::RunStats;
use super::sweep_best::{OptimumCsv, SweepMarkdown};
use super::sweep_plot::SweepCharts;
use super::sweep_view::{SweepCsv, SweepView};
use super::trials::TrialsCsv;
use crate::engine::Engine;
use crate::montecarlo::Samples;
use crate::output::{self, Output, OutputSet};
use std::path::Path;

/// A chart of a run, drawn once: written as SVG and inlined in the HTML report.
pub struct Figure {
    /// The file stem.
    pub name: String,
    /// What it shows.
    pub caption: String,
    /// Its SVG text.
    pub svg: String,
}

impl Figure {
    /// Draws each chart as SVG, in order.
    pub fn draw_all<D, C: Picture<D> + ?Sized>(
        charts: &[Box<C>],
        data: &D,
    ) -> anyhow::Result<Vec<Figure>> {
        charts
            .iter()
            .map(|c| {
                Ok(Figure {
                    name: c.name(),
                    caption: c.caption(),
                    svg: c.svg(data)?,
                })
            })
            .collect()
    }
}

/// What a run's outputs are written from.
pub struct RunView<'a, 's> {
    /// The engine of the run's scenario.
    pub engine: &'a Engine<'s>,
    /// The statistics.
    pub stats: &'a RunStats,
    /// What the charts draw.
    pub plot: PlotData<'a>,
    /// Every chart of [`run_charts`], in order.
    pub figures: Vec<Figure>,
}

impl<'a, 's> RunView<'a, 's> {
    /// Gathers a run's results and draws its charts as SVG.
    pub fn new(
        engine: &'a Engine<'s>,
        samples: &'a Samples,
        stats: &'a RunStats,
    ) -> anyhow::Result<RunView<'a, 's>> {
        let plot = PlotData::new(engine, samples, stats);
        let figures = Figure::draw_all(&run_charts(), &plot)?;
        Ok(RunView {
            engine,
            stats,
            plot,
            figures,
        })
    }
}

/// The outputs of `capsim run`, for a scenario whose strategies are `names` (`payg` first) and
/// whose trials draw `columns`.
pub fn run_outputs<'a, 's>(
    names: &[String],
    columns: Vec<crate::fleet::DrawColumn>,
) -> OutputSet<RunView<'a, 's>> {
    let mut outputs: Vec<Box<dyn Output<RunView<'a, 's>>>> = vec![
        Box::new(SummaryFile),
        Box::new(TrialsCsv::new(names.to_vec(), columns)),
    ];
    outputs.extend(
        run_charts()
            .into_iter()
            .map(|chart| Box::new(ChartFile { chart }) as Box<dyn Output<RunView<'a, 's>>>),
    );
    outputs.push(Box::new(ReportFile::Markdown));
    outputs.push(Box::new(ReportFile::Html));
    OutputSet::new(outputs)
}

/// The outputs of a finished sweep (`capsim sweep` and `capsim merge`).
pub fn sweep_outputs() -> OutputSet<SweepView> {
    OutputSet::new(vec![
        Box::new(SweepCsv),
        Box::new(OptimumCsv),
        Box::new(SweepMarkdown),
        Box::new(SweepCharts),
    ])
}

/// `summary.json`: every statistic of the run.
struct SummaryFile;

impl Output<RunView<'_, '_>> for SummaryFile {
    fn owns(&self, name: &str) -> bool {
        name == "summary.json"
    }

    fn write(&mut self, dir: &Path, view: &RunView<'_, '_>) -> anyhow::Result<()> {
        output::write(
            dir,
            "summary.json",
            super::summary::json(view.stats).as_bytes(),
        )?;
        Ok(())
    }
}

/// A chart of the run as PNG and SVG.
struct ChartFile {
    chart: Box<dyn for<'p> Picture<PlotData<'p>>>,
}

impl Output<RunView<'_, '_>> for ChartFile {
    fn owns(&self, name: &str) -> bool {
        is_chart_file(name, &self.chart.name())
    }

    fn write(&mut self, dir: &Path, view: &RunView<'_, '_>) -> anyhow::Result<()> {
        let name = self.chart.name();
        let svg = view
            .figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.svg.as_str());
        super::plot::write_files(self.chart.as_ref(), dir, &view.plot, svg)
    }
}

/// What a report is written from: a run's view, a recommendation's.
pub trait Report {
    /// The report as one document.
    fn document(&self) -> Document;
}

impl Report for RunView<'_, '_> {
    fn document(&self) -> Document {
        super::writeup::document(self)
    }
}

/// `report.md` or `report.html`: the same document in two forms.
pub enum ReportFile {
    /// `report.md`.
    Markdown,
    /// `report.html`, the charts inlined.
    Html,
}

impl ReportFile {
    fn name(&self) -> &'static str {
        match self {
            ReportFile::Markdown => "report.md",
            ReportFile::Html => "report.html",
        }
    }
}

impl<D: Report + ?Sized> Output<D> for ReportFile {
    fn owns(&self, name: &str) -> bool {
        name == self.name()
    }

    fn write(&mut self, dir: &Path, view: &D) -> anyhow::Result<()> {
        let doc = view.document();
        let text = match self {
            ReportFile::Markdown => doc.markdown(),
            ReportFile::Html => doc.html(),
        };
        output::write(dir, self.name(), text.as_bytes())?;
        Ok(())
    }
}
