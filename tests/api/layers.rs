//! The direction of dependencies, read from the source as a maintainer would: kernel ← db ←
//! services ← areas ← web and jobs ← cli. These tests scan `src/` and name what breaks a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its path relative to `src/`.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(src()).unwrap().to_path_buf(), text));
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without its unit tests (`#[cfg(test)] mod tests { … }` at the end), which
/// may reach anywhere.
fn without_unit_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level module a file belongs to (`participants/access.rs` → `participants`).
fn top_module(path: &Path) -> String {
    let first = path
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a piece of code names through `crate::`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::x, b};`
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.insert(name);
            }
        }
    }
    out
}

/// Module → the modules it names, for every top-level module of `src/`.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources(&src()) {
        let module = top_module(&path);
        if module == "main" || module == "lib" {
            continue;
        }
        let named = named_modules(without_unit_tests(&text));
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(named.into_iter().filter(|m| *m != module));
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_string(), Mark::Open);
        path.push(node.to_string());
        for next in &graph[node] {
            match marks[next.as_str()] {
                Mark::Open => {
                    let start = path.iter().position(|p| p == next).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(next, graph, marks, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks: BTreeMap<String, Mark> = graph.keys().map(|k| (k.clone(), Mark::New)).collect();
    for node in graph.keys() {
        if marks[node.as_str()] == Mark::New {
            if let Some(c) = visit(node, graph, &mut marks, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}

#[test]
fn the_modules_of_src_import_each_other_in_one_direction_only() {
    let graph = import_graph();
    assert!(graph.contains_key("kernel") && graph.contains_key("web"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_kernel_and_the_areas_never_import_the_web_layer() {
    // The command line is the composition root: it starts the server.
    let allowed = ["cli.rs", "main.rs", "lib.rs"];
    let offenders: Vec<String> = sources(&src())
        .into_iter()
        .filter(|(path, _)| top_module(path) != "web")
        .filter(|(path, _)| !allowed.contains(&path.to_string_lossy().as_ref()))
        .filter(|(_, text)| named_modules(without_unit_tests(text)).contains("web"))
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "outside src/web/, these import the web layer: {offenders:?}"
    );
}

#[test]
fn the_kernel_imports_nothing_above_it() {
    let graph = import_graph();
    let above: Vec<&String> = graph["kernel"]
        .iter()
        .filter(|m| m.as_str() != "i18n")
        .collect();
    assert!(
        above.is_empty(),
        "the kernel imports {above:?}; it may use only the message catalogue"
    );
}

/// The files of `src/web/` whose code (unit tests aside) contains `needle`.
fn web_files_containing(needle: &str) -> Vec<String> {
    sources(&src().join("web"))
        .into_iter()
        .filter(|(_, text)| without_unit_tests(text).contains(needle))
        .map(|(path, _)| path.display().to_string())
        .collect()
}

#[test]
fn handlers_run_no_queries_of_their_own() {
    let offenders = web_files_containing("db::schema");
    assert!(
        offenders.is_empty(),
        "handlers call their area's use cases; these query tables themselves: {offenders:?}"
    );
}

#[test]
fn handlers_jobs_and_commands_write_no_audit_rows_of_their_own() {
    let mut offenders = web_files_containing("audit::record");
    for (path, text) in sources(&src()) {
        let top = top_module(&path);
        if (top == "cli" || top == "jobs") && without_unit_tests(&text).contains("audit::record") {
            offenders.push(path.display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "the audit row of a read or a change is written by the area's use case; these write \
         their own: {offenders:?}"
    );
}
