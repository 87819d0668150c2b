//! Renders query results: an aligned table for people, JSON or CSV for scripts.

use std::io::Write;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table as Grid, presets};
use sitrep::store::{Cell, Table};

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

pub fn print(table: &Table, format: Format) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => {
            let mut grid = Grid::new();
            grid.load_preset(presets::UTF8_BORDERS_ONLY)
                .set_content_arrangement(ContentArrangement::Disabled);
            grid.set_header(&table.columns);
            for row in &table.rows {
                grid.add_row(row.iter().map(clip));
            }
            writeln!(out, "{grid}")?;
            writeln!(
                out,
                "({} row{})",
                table.rows.len(),
                if table.rows.len() == 1 { "" } else { "s" }
            )?;
        }
        Format::Json => {
            let rows: Vec<serde_json::Map<String, serde_json::Value>> = table
                .rows
                .iter()
                .map(|row| {
                    table
                        .columns
                        .iter()
                        .cloned()
                        .zip(
                            row.iter()
                                .map(|c| serde_json::to_value(c).unwrap_or_default()),
                        )
                        .collect()
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(&table.columns)?;
            for row in &table.rows {
                w.write_record(row.iter().map(ToString::to_string))?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
