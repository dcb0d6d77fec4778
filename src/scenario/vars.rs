//! `[vars]`: uncertainties shared by several keys, drawn once per trial (docs/spec.md,
//! section 16). A migration that removes VMs and lowers an arrival rate, or one growth rate
//! for two fleets, is one draw, so that no trial describes a future that cannot happen.

use super::dist::{Domain, Param, Var};
use super::read::Table;
use crate::error::InputError;

/// The most variables a scenario may declare: each adds a column to `trials.csv` and, when it
/// is a choice, a table per value to the report.
pub(super) const MAX_VARS: usize = 100;

/// Reads `[vars]`: each key a name, each value a number or a distribution table.
pub(super) fn read(root: &Table<'_>) -> Result<Vec<Var>, InputError> {
    let Some(node) = root.get("vars") else {
        return Ok(Vec::new());
    };
    let table = node.table_any(
        "a table of variables such as growth = { dist = \"uniform\", low = 0.1, high = 0.4 }",
    )?;
    let entries = table.entries();
    if entries.len() > MAX_VARS {
        return Err(node.out_of_range(format!("at most {MAX_VARS} variables")));
    }
    let mut vars = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        let bare = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !bare {
            return Err(value.error(format!(
                "found a variable named {name:?}, expected a name of letters, digits and underscores that starts with a letter or an underscore"
            )));
        }
        if value.is_str() && value.str()?.starts_with('$') {
            return Err(value.wrong_type(
                "a number or a distribution table: a variable may not refer to another",
            ));
        }
        vars.push(Var {
            name: name.to_string(),
            value: Param::read(&value, Domain::Variable, &[])?,
        });
    }
    Ok(vars)
}
