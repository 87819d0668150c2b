//! Renders query results: an aligned table for people, JSON or CSV for scripts.
//!
//! Rows arrive one at a time ([`RowSink`]): CSV and JSON are written as they come, so a
//! result of any size takes no memory; a terminal table needs every row to align its
//! columns, and holds them (raw SQL bounds their number, see `sitrep sql --max-rows`).
//! A table fits the terminal's width, or `COLUMNS` when it is set.

use std::io::{self, IsTerminal, Write};

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table as Grid, presets};
use sitrep::store::{Cell, RowSink, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

/// Longest cell shown in a terminal table; JSON and CSV keep everything.
const CELL_WIDTH: usize = 60;

fn clip(cell: &Cell) -> String {
    let s = cell.to_string().replace('\n', " ");
    if s.chars().count() > CELL_WIDTH {
        let cut: String = s.chars().take(CELL_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// A [`RowSink`] that writes, and must be told when the rows are over.
pub trait Printer: RowSink {
    /// Writes what follows the last row and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// A printer of `format` writing to `out`; a table is at most `width` columns wide.
pub fn printer<'a>(
    format: Format,
    out: &'a mut dyn Write,
    width: Option<u16>,
) -> Box<dyn Printer + 'a> {
    match format {
        Format::Table => Box::new(TablePrinter {
            out,
            width,
            columns: Vec::new(),
            rows: Vec::new(),
        }),
        Format::Json => Box::new(JsonPrinter {
            out: io::BufWriter::new(out),
            columns: Vec::new(),
            rows: 0,
        }),
        Format::Csv => Box::new(CsvPrinter(csv::Writer::from_writer(out))),
    }
}

/// Prints a result held in memory to stdout.
pub fn print(table: &Table, format: Format) -> Result<()> {
    let mut out = io::stdout().lock();
    let mut p = printer(format, &mut out, table_width());
    p.columns(&table.columns)?;
    for row in &table.rows {
        p.row(row.clone())?;
    }
    p.finish()?;
    Ok(())
}

/// The width tables are fitted to: `COLUMNS` when set to a number, else the terminal's
/// when stdout is one; `None` (no limit) when stdout is a file or a pipe, so that scripts
/// and `less -S` get whole lines.
pub fn table_width() -> Option<u16> {
    let columns = std::env::var("COLUMNS").ok();
    let terminal = io::stdout()
        .is_terminal()
        .then(|| Grid::new().width())
        .flatten();
    choose_width(columns.as_deref(), terminal)
}

fn choose_width(columns: Option<&str>, terminal: Option<u16>) -> Option<u16> {
    columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&w| w > 0)
        .or(terminal)
}

struct TablePrinter<'a> {
    out: &'a mut dyn Write,
    width: Option<u16>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl RowSink for TablePrinter<'_> {
    fn columns(&mut self, names: &[String]) -> io::Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> io::Result<()> {
        self.rows.push(cells.iter().map(clip).collect());
        Ok(())
    }
}

impl Printer for TablePrinter<'_> {
    fn finish(&mut self) -> io::Result<()> {
        let mut grid = Grid::new();
        grid.load_preset(presets::UTF8_BORDERS_ONLY);
        match self.width {
            Some(width) => {
                grid.set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(width);
            }
            None => {
                grid.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        grid.set_header(&self.columns);
        let rows = std::mem::take(&mut self.rows);
        let n = rows.len();
        for row in rows {
            grid.add_row(row);
        }
        writeln!(self.out, "{grid}")?;
        writeln!(self.out, "({n} row{})", if n == 1 { "" } else { "s" })?;
        self.out.flush()
    }
}

/// A pretty-printed array of objects, one per row, written as the rows come: the same bytes
/// `serde_json::to_writer_pretty` gives for the whole array.
struct JsonPrinter<'a> {
    out: io::BufWriter<&'a mut dyn Write>,
    columns: Vec<String>,
    rows: u64,
}

impl RowSink for JsonPrinter<'_> {
    fn columns(&mut self, names: &[String]) -> io::Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> io::Result<()> {
        let object: serde_json::Map<String, serde_json::Value> = self
            .columns
            .iter()
            .cloned()
            .zip(
                cells
                    .iter()
                    .map(|c| serde_json::to_value(c).unwrap_or_default()),
            )
            .collect();
        let text = serde_json::to_string_pretty(&object)?;
        self.out
            .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
        // Pretty JSON has no raw newline inside a string, so every line is indented.
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                self.out.write_all(b"\n")?;
            }
            write!(self.out, "  {line}")?;
        }
        self.rows += 1;
        Ok(())
    }
}

impl Printer for JsonPrinter<'_> {
    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

struct CsvPrinter<'a>(csv::Writer<&'a mut dyn Write>);

impl RowSink for CsvPrinter<'_> {
    fn columns(&mut self, names: &[String]) -> io::Result<()> {
        self.0.write_record(names).map_err(csv_io)
    }

    fn row(&mut self, cells: Vec<Cell>) -> io::Result<()> {
        self.0
            .write_record(cells.iter().map(ToString::to_string))
            .map_err(csv_io)
    }
}

/// The writing error inside a CSV error, so that its kind (a closed pipe) is seen;
/// `csv`'s own conversion hides it behind `ErrorKind::Other`.
fn csv_io(e: csv::Error) -> io::Error {
    if !matches!(e.kind(), csv::ErrorKind::Io(_)) {
        return io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl Printer for CsvPrinter<'_> {
    fn finish(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&["id", "title", "score", "note"]);
        t.push(vec![
            Cell::Int(1),
            Cell::Text("Fuel \"tanker\"\nattacked".into()),
            Cell::Real(1.5),
            Cell::Null,
        ]);
        t.push(vec![
            Cell::Int(2),
            Cell::Text("Road RN3, closed".into()),
            Cell::Real(-0.25),
            Cell::Text("é ✓".into()),
        ]);
        t
    }

    fn render(table: &Table, format: Format, width: Option<u16>) -> String {
        let mut out = Vec::new();
        let mut p = printer(format, &mut out, width);
        p.columns(&table.columns).unwrap();
        for row in &table.rows {
            p.row(row.clone()).unwrap();
        }
        p.finish().unwrap();
        drop(p);
        String::from_utf8(out).unwrap()
    }

    /// What the JSON format printed before rows were streamed: the whole array at once.
    fn json_at_once(table: &Table) -> String {
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = table
            .rows
            .iter()
            .map(|row| {
                table
                    .columns
                    .iter()
                    .cloned()
                    .zip(row.iter().map(|c| serde_json::to_value(c).unwrap()))
                    .collect()
            })
            .collect();
        serde_json::to_string_pretty(&rows).unwrap() + "\n"
    }

    #[test]
    fn streamed_json_is_byte_for_byte_the_array_printed_at_once() {
        let empty = Table::new(&["a"]);
        let mut one = Table::new(&["x"]);
        one.push(vec![Cell::Int(7)]);
        let mut no_columns = Table::new(&[]);
        no_columns.push(Vec::new());
        for table in [sample(), empty, one, no_columns] {
            assert_eq!(render(&table, Format::Json, None), json_at_once(&table));
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_leaves_null_empty() {
        assert_eq!(
            render(&sample(), Format::Csv, None),
            "id,title,score,note\n1,\"Fuel \"\"tanker\"\"\nattacked\",1.5,\n2,\"Road RN3, closed\",-0.25,é ✓\n"
        );
    }

    #[test]
    fn a_table_counts_its_rows_and_fits_the_width_it_is_given() {
        let mut wide = Table::new(&["id", "sentence"]);
        wide.push(vec![Cell::Int(1), Cell::Text("word ".repeat(11))]);
        let free = render(&wide, Format::Table, None);
        assert!(free.ends_with("(1 row)\n"), "{free}");
        assert!(free.lines().any(|l| l.chars().count() > 50), "{free}");
        let fitted = render(&wide, Format::Table, Some(30));
        assert!(fitted.ends_with("(1 row)\n"), "{fitted}");
        for line in fitted.lines() {
            assert!(line.chars().count() <= 30, "{line:?} in\n{fitted}");
        }
        assert!(render(&Table::new(&["a"]), Format::Table, None).ends_with("(0 rows)\n"));
    }

    #[test]
    fn columns_overrides_the_terminal_width_when_it_is_a_number() {
        for (columns, terminal, expected) in [
            (None, None, None),
            (None, Some(100), Some(100)),
            (Some("72"), None, Some(72)),
            (Some("72"), Some(100), Some(72)),
            (Some(" 90 "), None, Some(90)),
            (Some("0"), Some(100), Some(100)),
            (Some("wide"), Some(100), Some(100)),
            (Some(""), None, None),
        ] {
            assert_eq!(choose_width(columns, terminal), expected, "{columns:?}");
        }
    }
}
