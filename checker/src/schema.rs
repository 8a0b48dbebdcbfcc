//! Mutant schemata: many of a kata's mutants in one crate, each behind a run-time switch.
//!
//! Building every mutant as a crate of its own costs the compiler a few seconds each. A
//! mutant whose edits all lie inside function bodies can instead be one arm of a `match`
//! in a single *schema* crate: each touched body becomes
//! `{ match crate::__kata_mutant() { 3 => { <mutant 3's body> } _ => { <original> } } }`
//! and the schema's test binaries grade mutant 3 when the test process's environment has
//! `KATA_MUTANT=3` ([`SWITCH_ENV`]: the self-check), or when the process called
//! [`SETTER`]`(3)` before (the review entry point, with the number read from a descriptor
//! the candidate's tests never see; it wins over the variable). A mutant that touches anything else (a signature, a
//! struct, a `const`, a `use`, a `const fn`, or a body whose function returns
//! `impl Trait`, where two arms could not have one type) is built alone, as before.
//!
//! Which bodies a mutant touches is found by parsing the solution's file and the mutant's
//! file with `syn`: both are cut at the same kinds of bodies, and the mutant belongs in the
//! schema only when every piece outside those bodies is byte for byte the solution's.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::harness::Sources;

/// The environment variable that selects a schema's mutant in a test process (absent or
/// `0`: the solution's code).
pub const SWITCH_ENV: &str = "KATA_MUTANT";

/// A kata's schema: the sources holding its schematizable mutants, and their switches.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The schema crate's `src/` (the solution's, with the touched bodies switched).
    pub sources: Sources,
    /// The mutants in it, by name, with the value of [`SWITCH_ENV`] that selects each.
    pub switches: BTreeMap<String, u32>,
}

/// The public function of the prelude that hands a review run's switch to the library
/// (see [`prelude`]).
pub const SETTER: &str = "__kata_set_mutant";

/// The lines put at the top of the schema's `lib.rs`, after its inner attributes: the
/// lints that arms may trip (a parameter only the original uses, code after a `return`
/// a mutant added), and the switch, read once.
///
/// The switch is the value handed to [`SETTER`] (write-once, no getter: the review entry
/// point calls it before `main` with the number read from its descriptor, so a
/// candidate's test that calls it too changes nothing), else [`SWITCH_ENV`] (the
/// self-check's tests), else 0.
fn prelude() -> String {
    format!(
        "\n#![allow(unused, dead_code, unreachable_code, unreachable_patterns)]\n\
         static __KATA_SWITCH: ::std::sync::OnceLock<u32> = ::std::sync::OnceLock::new();\n\
         /// Sets the mutant this process runs, once (the checker's review runs).\n\
         #[doc(hidden)]\n\
         pub fn {SETTER}(switch: u32) {{\n    \
             let _ = __KATA_SWITCH.set(switch);\n\
         }}\n\
         #[doc(hidden)]\n\
         pub(crate) fn __kata_mutant() -> u32 {{\n    \
             if let Some(switch) = __KATA_SWITCH.get() {{\n        \
                 return *switch;\n    \
             }}\n    \
             static SWITCH: ::std::sync::OnceLock<u32> = ::std::sync::OnceLock::new();\n    \
             *SWITCH.get_or_init(|| {{\n        \
                 ::std::env::var(\"{SWITCH_ENV}\").ok().and_then(|v| v.parse().ok()).unwrap_or(0)\n    \
             }})\n\
         }}\n"
    )
}

/// `sources` with the schema's prelude (the switch, never consulted) and nothing else
/// changed: the review grading builds its reference and the mutants built alone this way,
/// so that the candidate's test binaries of every variant hold the same switch machinery
/// (a test that looks for it in its own executable learns nothing).
pub fn instrument(sources: &Sources) -> Sources {
    let mut sources = sources.clone();
    if let Some(bytes) = sources.get_mut(Path::new("src/lib.rs")) {
        *bytes = with_prelude(&String::from_utf8_lossy(bytes)).into_bytes();
    }
    sources
}

/// A crate root's text with the prelude after its inner attributes.
fn with_prelude(text: &str) -> String {
    let at = inner_attributes_end(text);
    let mut out = String::with_capacity(text.len() + 800);
    out.push_str(&text[..at]);
    out.push_str(&prelude());
    out.push_str(&text[at..]);
    out
}

/// Builds the schema of `mutants` (each a name and its sources: the solution with its
/// edits applied), in their order: the first gets switch 1. Mutants that cannot go in it
/// are left out (see the module's documentation); the schema has no mutant when none can.
pub fn build(solution: &Sources, mutants: &[(String, Sources)]) -> Schema {
    // Per file of the solution: its bodies, when it parses (files that do not are never
    // switched: the mutants touching them are built alone).
    let mut originals: BTreeMap<&Path, Vec<Range<usize>>> = BTreeMap::new();
    for (path, bytes) in solution {
        if switchable(path)
            && let Ok(text) = std::str::from_utf8(bytes)
            && let Some(bodies) = bodies(text)
        {
            originals.insert(path.as_path(), bodies);
        }
    }
    // Per file, per body index: the arms (switch, mutated body text).
    let mut arms: BTreeMap<PathBuf, BTreeMap<usize, Vec<(u32, String)>>> = BTreeMap::new();
    let mut switches = BTreeMap::new();
    for (index, (name, sources)) in mutants.iter().enumerate() {
        let switch = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if let Some(changes) = changed_bodies(solution, sources, &originals) {
            if changes.is_empty() {
                continue;
            }
            for (path, body, text) in changes {
                arms.entry(path)
                    .or_default()
                    .entry(body)
                    .or_default()
                    .push((switch, text));
            }
            switches.insert(name.clone(), switch);
        }
    }
    if switches.is_empty() {
        return Schema::default();
    }
    let mut sources = solution.clone();
    for (path, bodies) in &arms {
        let text = String::from_utf8_lossy(&solution[path]).into_owned();
        let ranges = &originals[path.as_path()];
        let mut out = String::with_capacity(text.len() * 2);
        let mut at = 0;
        for (&body, arms) in bodies {
            let range = ranges[body].clone();
            out.push_str(&text[at..range.start]);
            out.push_str("{ match crate::__kata_mutant() {");
            for (switch, arm) in arms {
                out.push_str(&format!(" {switch} => {arm}"));
            }
            out.push_str(&format!(" _ => {} }} }}", &text[range.clone()]));
            at = range.end;
        }
        out.push_str(&text[at..]);
        sources.insert(path.clone(), out.into_bytes());
    }
    let lib = Path::new("src/lib.rs");
    if let Some(bytes) = sources.get_mut(lib) {
        *bytes = with_prelude(&String::from_utf8_lossy(bytes)).into_bytes();
    }
    Schema { sources, switches }
}

/// Whether a file of `src/` is part of the library (a binary's file cannot call the
/// library's switch).
fn switchable(path: &Path) -> bool {
    path.starts_with("src")
        && !path.starts_with("src/bin")
        && path != Path::new("src/main.rs")
        && path.extension().is_some_and(|e| e == "rs")
}

/// The bodies a mutant changes, as (file, body index, the mutant's body text); `None` when
/// it changes anything outside the bodies of `originals` (then it is built alone).
fn changed_bodies(
    solution: &Sources,
    mutant: &Sources,
    originals: &BTreeMap<&Path, Vec<Range<usize>>>,
) -> Option<Vec<(PathBuf, usize, String)>> {
    if solution.len() != mutant.len() || solution.keys().ne(mutant.keys()) {
        return None;
    }
    let mut changes = Vec::new();
    for (path, bytes) in mutant {
        let original = &solution[path];
        if original == bytes {
            continue;
        }
        let ranges = originals.get(path.as_path())?;
        let original = std::str::from_utf8(original).ok()?;
        let text = std::str::from_utf8(bytes).ok()?;
        let mutated = bodies(text)?;
        if mutated.len() != ranges.len() || gaps(original, ranges).ne(gaps(text, &mutated)) {
            return None;
        }
        for (index, (before, after)) in ranges.iter().zip(&mutated).enumerate() {
            if original[before.clone()] != text[after.clone()] {
                changes.push((path.clone(), index, text[after.clone()].to_owned()));
            }
        }
    }
    Some(changes)
}

/// The pieces of `text` outside `bodies` (sorted, not overlapping).
fn gaps<'t>(text: &'t str, bodies: &'t [Range<usize>]) -> impl Iterator<Item = &'t str> + 't {
    let starts = std::iter::once(0).chain(bodies.iter().map(|b| b.end));
    let ends = bodies.iter().map(|b| b.start).chain([text.len()]);
    starts.zip(ends).map(move |(start, end)| &text[start..end])
}

/// The byte ranges (braces included) of the bodies of `text`'s functions that a schema may
/// switch, in order: free functions, methods of `impl` blocks and default methods of
/// traits, in inline modules too; not `const fn`s, not functions that return `impl Trait`,
/// not bodies with inner attributes, and not functions inside another body (the outer body holds them). `None` when `text`
/// does not parse.
fn bodies(text: &str) -> Option<Vec<Range<usize>>> {
    let parsed = syn::parse_file(text);
    let found = parsed.ok().map(|file| {
        let mut found = Vec::new();
        collect(text, &file.items, &mut found);
        found.sort_by_key(|r| r.start);
        found
    });
    // Spans of parsed files are kept per thread until told otherwise.
    proc_macro2::extra::invalidate_current_thread_spans();
    found
}

fn collect(text: &str, items: &[syn::Item], found: &mut Vec<Range<usize>>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => body(text, &f.attrs, &f.sig, &f.block, found),
            syn::Item::Impl(block) => {
                for item in &block.items {
                    if let syn::ImplItem::Fn(f) = item {
                        body(text, &f.attrs, &f.sig, &f.block, found);
                    }
                }
            }
            syn::Item::Trait(block) => {
                for item in &block.items {
                    if let syn::TraitItem::Fn(f) = item
                        && let Some(block) = &f.default
                    {
                        body(text, &f.attrs, &f.sig, block, found);
                    }
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect(text, items, found);
                }
            }
            _ => {}
        }
    }
}

fn body(
    text: &str,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    block: &syn::Block,
    found: &mut Vec<Range<usize>>,
) {
    // A body's inner attributes (`{ #![allow(…)] … }`) are not allowed on a match arm.
    let inner = attrs
        .iter()
        .any(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    if sig.constness.is_some() || inner {
        return;
    }
    let range = block.brace_token.span.join().byte_range();
    // The return type and `where` clause: between the parameters and the body.
    let after_parameters = sig.paren_token.span.close().byte_range().end;
    let Some(output) = text.get(after_parameters..range.start) else {
        return;
    };
    let returns_impl = output
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == "impl");
    if !returns_impl && text.get(range.clone()).is_some_and(|b| b.starts_with('{')) {
        found.push(range);
    }
}

/// Where the inner attributes (`#![…]`, `//!`) at the top of a crate root end.
fn inner_attributes_end(text: &str) -> usize {
    let end = syn::parse_file(text).ok().and_then(|file| {
        file.attrs
            .iter()
            .filter(|a| matches!(a.style, syn::AttrStyle::Inner(_)))
            .map(|a| {
                let pound = a.pound_token.span.byte_range().end;
                pound.max(a.bracket_token.span.join().byte_range().end)
            })
            .max()
    });
    proc_macro2::extra::invalidate_current_thread_spans();
    // A `//!` comment is an attribute whose span is the comment itself.
    end.map_or(0, |end| {
        text[end..].find('\n').map_or(text.len(), |n| end + n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(text: &str) -> Sources {
        Sources::from([(PathBuf::from("src/lib.rs"), text.as_bytes().to_vec())])
    }

    fn mutant(name: &str, solution: &Sources, find: &str, replace: &str) -> (String, Sources) {
        let text = String::from_utf8(solution[Path::new("src/lib.rs")].clone()).unwrap();
        assert_eq!(text.matches(find).count(), 1, "{find:?}");
        (name.into(), lib(&text.replacen(find, replace, 1)))
    }

    fn text(schema: &Schema) -> String {
        String::from_utf8(schema.sources[Path::new("src/lib.rs")].clone()).unwrap()
    }

    const SOLUTION: &str = "//! A crate.\n#![deny(missing_docs)]\n\n\
        /// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n\
        /// Scales.\npub struct Scale(pub u32);\n\n\
        impl Scale {\n    /// Applies.\n    pub fn apply(&self, x: u32) -> u32 {\n        x * self.0\n    }\n}\n\n\
        /// Counts.\npub const fn limit() -> u32 {\n    10\n}\n\n\
        /// Iterates.\npub fn evens() -> impl Iterator<Item = u32> {\n    (0..).step_by(2)\n}\n";

    #[test]
    fn an_edit_in_a_body_goes_into_the_schema_behind_its_switch() {
        let solution = lib(SOLUTION);
        let schema = build(&solution, &[mutant("sub", &solution, "a + b", "a - b")]);
        assert_eq!(schema.switches, BTreeMap::from([("sub".to_owned(), 1)]));
        let text = text(&schema);
        assert!(
            text.contains(
                "pub fn add(a: u32, b: u32) -> u32 { match crate::__kata_mutant() { \
                 1 => {\n    a - b\n} _ => {\n    a + b\n} } }"
            ),
            "{text}"
        );
        // The switch comes after the crate's inner attributes, and the rest is untouched.
        let prelude = text.find("#![allow(unused").unwrap();
        assert!(
            prelude > text.find("#![deny(missing_docs)]").unwrap(),
            "{text}"
        );
        assert!(text.contains(SWITCH_ENV));
        assert!(text.contains("x * self.0\n    }\n}"));
        assert!(syn::parse_file(&text).is_ok(), "{text}");
    }

    #[test]
    fn two_mutants_of_one_body_are_two_arms_and_methods_count() {
        let solution = lib(SOLUTION);
        let mutants = [
            mutant("sub", &solution, "a + b", "a - b"),
            mutant("mul", &solution, "a + b", "a * b"),
            mutant("scale-add", &solution, "x * self.0", "x + self.0"),
        ];
        let schema = build(&solution, &mutants);
        assert_eq!(schema.switches.len(), 3);
        let text = text(&schema);
        assert!(
            text.contains("1 => {\n    a - b\n} 2 => {\n    a * b\n} _ => {\n    a + b\n} } }"),
            "{text}"
        );
        assert!(
            text.contains(
                "3 => {\n        x + self.0\n    } _ => {\n        x * self.0\n    } } }"
            ),
            "{text}"
        );
        assert!(syn::parse_file(&text).is_ok(), "{text}");
    }

    #[test]
    fn signatures_items_const_fns_and_impl_trait_bodies_are_built_alone() {
        let solution = lib(SOLUTION);
        let mutants = [
            mutant(
                "signature",
                &solution,
                "add(a: u32, b: u32)",
                "add(b: u32, a: u32)",
            ),
            mutant("field", &solution, "Scale(pub u32)", "Scale(pub u64)"),
            mutant("const-fn", &solution, "    10\n", "    11\n"),
            mutant("impl-trait", &solution, "step_by(2)", "step_by(3)"),
            mutant(
                "inner-attribute",
                &solution,
                "{\n    a + b",
                "{\n    #![allow(unused)]\n    a + b",
            ),
            mutant("body", &solution, "x * self.0", "x"),
        ];
        let schema = build(&solution, &mutants);
        assert_eq!(schema.switches, BTreeMap::from([("body".to_owned(), 6)]));
        let text = text(&schema);
        assert!(
            text.contains("pub const fn limit() -> u32 {\n    10\n}"),
            "{text}"
        );
        assert!(text.contains("(0..).step_by(2)\n}"), "{text}");
    }

    #[test]
    fn the_switch_goes_after_doc_comments_of_the_crate() {
        for (crate_root, before) in [
            ("//! One.\n//! Two.\n\npub fn f() {}\n", "//! Two.\n"),
            (
                "#![allow(dead_code)] // why\n//! Doc.\nfn f() {}\n",
                "//! Doc.\n",
            ),
            ("fn f() {}\n", ""),
        ] {
            let at = inner_attributes_end(crate_root);
            assert!(
                crate_root[..at].ends_with(before.trim_end()),
                "{crate_root:?} {at}"
            );
            let mut text = crate_root.to_owned();
            text.insert_str(at, &prelude());
            assert!(syn::parse_file(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn an_edit_reaching_outside_a_body_is_built_alone() {
        let solution = lib(SOLUTION);
        let mutants = [
            mutant(
                "out",
                &solution,
                "a + b\n}\n\n/// Scales.",
                "a + b\n}\n\n/// Scale.",
            ),
            mutant("unparsable", &solution, "a + b", "a + "),
        ];
        let schema = build(&solution, &mutants);
        assert!(schema.switches.is_empty());
        assert!(schema.sources.is_empty());
    }

    /// The prelude compiled and run: the setter wins over the variable, only its first
    /// call counts, and without either the switch is 0.
    #[test]
    fn the_setter_is_write_once_and_wins_over_the_variable() {
        let dir = std::env::temp_dir().join(format!("kata-schema-prelude-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let main = "fn main() {\n    \
            let mut args = std::env::args().skip(1);\n    \
            for value in args.by_ref() {\n        \
                __kata_set_mutant(value.parse().unwrap());\n    \
            }\n    \
            print!(\"{}\", __kata_mutant());\n}\n";
        let text = with_prelude(&format!("//! A crate.\n{main}"));
        std::fs::write(dir.join("main.rs"), &text).unwrap();
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let status = std::process::Command::new(rustc)
            .args(["--edition", "2024", "-o"])
            .arg(dir.join("prelude"))
            .arg(dir.join("main.rs"))
            .status()
            .unwrap();
        assert!(status.success(), "{text}");
        let run = |args: &[&str], env: Option<&str>| {
            let mut command = std::process::Command::new(dir.join("prelude"));
            command.args(args).env_remove(SWITCH_ENV);
            if let Some(value) = env {
                command.env(SWITCH_ENV, value);
            }
            String::from_utf8(command.output().unwrap().stdout).unwrap()
        };
        assert_eq!(run(&[], None), "0");
        assert_eq!(run(&[], Some("4")), "4", "the self-check's variable");
        assert_eq!(run(&["3"], None), "3");
        assert_eq!(run(&["3", "0"], None), "3", "a second call changes nothing");
        assert_eq!(
            run(&["0"], Some("4")),
            "0",
            "the setter wins over the variable"
        );
        assert_eq!(run(&[], Some("x")), "0");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn instrumenting_adds_only_the_prelude() {
        let solution = lib(SOLUTION);
        let instrumented = instrument(&solution);
        let text = String::from_utf8(instrumented[Path::new("src/lib.rs")].clone()).unwrap();
        assert_eq!(text.replacen(&prelude(), "", 1), SOLUTION);
        assert!(
            text.contains(&format!("pub fn {SETTER}(switch: u32)")),
            "{text}"
        );
        assert!(syn::parse_file(&text).is_ok(), "{text}");
        // The schema's crate root holds the very same prelude.
        let schema = build(&solution, &[mutant("sub", &solution, "a + b", "a - b")]);
        assert!(self::text(&schema).contains(&prelude()));
    }

    #[test]
    fn a_binary_file_and_another_module_file() {
        let mut solution = lib(SOLUTION);
        solution.insert(
            "src/bin/main.rs".into(),
            b"fn main() {\n    println!(\"hi\");\n}\n".to_vec(),
        );
        solution.insert(
            "src/inner.rs".into(),
            b"pub fn two() -> u32 {\n    2\n}\n".to_vec(),
        );
        let edit = |path: &str, find: &str, replace: &str| {
            let mut sources = solution.clone();
            let text = String::from_utf8(sources[Path::new(path)].clone()).unwrap();
            sources.insert(path.into(), text.replacen(find, replace, 1).into_bytes());
            sources
        };
        let mutants = [
            ("bin".to_owned(), edit("src/bin/main.rs", "hi", "ho")),
            ("inner".to_owned(), edit("src/inner.rs", "2\n", "3\n")),
        ];
        let schema = build(&solution, &mutants);
        assert_eq!(schema.switches.keys().collect::<Vec<_>>(), ["inner"]);
        let inner = String::from_utf8(schema.sources[Path::new("src/inner.rs")].clone()).unwrap();
        assert!(
            inner
                .contains("{ match crate::__kata_mutant() { 2 => {\n    3\n} _ => {\n    2\n} } }"),
            "{inner}"
        );
        assert!(text(&schema).contains("fn __kata_mutant"));
    }
}
