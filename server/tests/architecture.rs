//! The rooms of `server/src/` (see `lib.rs`) as a rule the code is held to: a module
//! uses only modules of its own room or of a room listed before it, and no modules use
//! one another in a circle. Every path the code names (`use` trees, and `crate::`,
//! `super::` and `self::` paths anywhere, tests included) is read with `syn`, so the rule
//! is checked on the code itself, not on what its comments say.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Each room may use itself and the rooms before it.
const ROOMS: [&str; 9] = [
    "error", "ops", "storage", "events", "accounts", "notes", "django", "http", "startup",
];

type Module = Vec<String>;

/// `src/notes/store.rs` is `notes::store`; `src/notes/mod.rs` is `notes`; the crate's
/// root (`lib.rs`, or a binary's `main.rs`) is the empty path.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut segments: Module = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let root = segments.len() == 1 && (segments[0] == "lib" || segments[0] == "main");
    if root || segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    segments
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Every path a file names that could lead to a module of this crate, as written, with
/// the inline modules (`mod tests { ... }`) it is written in, which `super` counts from.
#[derive(Default)]
struct Paths {
    inline: Vec<String>,
    found: Vec<(Vec<String>, Vec<String>)>,
}

impl Paths {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.push(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.push(prefix, &r.ident),
            syn::UseTree::Glob(_) => self.found.push((self.inline.clone(), prefix.clone())),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn push(&mut self, prefix: &[String], last: &syn::Ident) {
        let mut path = prefix.to_vec();
        path.push(last.to_string());
        self.found.push((self.inline.clone(), path));
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.found.push((self.inline.clone(), segments));
        syn::visit::visit_path(self, path);
    }

    /// A macro's input (a `view!`) is only tokens to `syn`: its paths are read from their
    /// text, every run of names joined by `::`.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let text: String = mac
            .tokens
            .to_string()
            .chars()
            .map(|c| match c {
                c if c.is_alphanumeric() || c == '_' || c == ':' => c,
                _ => ' ',
            })
            .collect();
        let words: Vec<&str> = text.split_whitespace().collect();
        let name = |w: &str| {
            w.chars().all(|c| c.is_alphanumeric() || c == '_')
                && w.chars().next().is_some_and(|c| !c.is_ascii_digit())
        };
        let mut at = 0;
        while at < words.len() {
            let mut path = Vec::new();
            let mut next = at;
            while next < words.len() && name(words[next]) {
                path.push(words[next].to_owned());
                if words.get(next + 1) != Some(&"::") {
                    break;
                }
                next += 2;
            }
            if path.len() > 1 {
                self.found.push((self.inline.clone(), path));
                at = next + 1;
            } else {
                at += 1;
            }
        }
        syn::visit::visit_macro(self, mac);
    }

    /// `pub(super)` names who may see an item, not a module it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.inline.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.inline.pop();
    }
}

/// The module a path written in `from` names: the longest known module it starts with.
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut absolute: Module = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "super" => from[..from.len().checked_sub(1)?].to_vec(),
        "self" => from.clone(),
        // A child module named without `self::`, as `mod.rs` files re-export.
        child if modules.contains(&[from.as_slice(), &[child.to_owned()]].concat()) => {
            let mut absolute = from.clone();
            absolute.push(child.to_owned());
            absolute.extend(path[1..].iter().cloned());
            return longest_module(&absolute, modules);
        }
        _ => return None,
    };
    let mut rest = &path[1..];
    while rest.first().is_some_and(|s| s == "super") {
        absolute.pop();
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().cloned());
    longest_module(&absolute, modules)
}

fn longest_module(path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|candidate| modules.contains(candidate))
}

/// Which module uses which, over the server library's sources (its `main.rs` is another
/// crate).
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    graph_of("server", false)
}

/// Which module uses which in the workspace's crate in folder `krate`, with its
/// `src/main.rs` as the root (a binary) or left out (a library's).
fn graph_of(krate: &str, binary: bool) -> BTreeMap<Module, BTreeSet<Module>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let src = workspace.join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| binary || f != &src.join("main.rs"));
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut uses = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        let syntax = syn::parse_file(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut paths = Paths::default();
        paths.visit_file(&syntax);
        let targets: BTreeSet<Module> = paths
            .found
            .iter()
            .filter_map(|(inline, path)| {
                resolve(&[from.as_slice(), inline].concat(), path, &modules)
            })
            .filter(|to| *to != from)
            .collect();
        uses.insert(from, targets);
    }
    uses
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "lib".into()
    } else {
        module.join("::")
    }
}

fn room(module: &Module) -> usize {
    let first = module.first().map_or("", String::as_str);
    ROOMS
        .iter()
        .position(|room| *room == first)
        .unwrap_or_else(|| panic!("{} is in no room of lib.rs's list", name(module)))
}

/// Groups of modules that use one another in a circle (Tarjan's algorithm).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        circles: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in &self.graph[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    group.push(name(w));
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.circles.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        circles: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.circles
}

#[test]
fn no_modules_use_one_another_in_a_circle() {
    let graph = graph();
    assert!(graph.len() > 30, "the sources were not found");
    assert_eq!(circles(&graph), Vec::<Vec<String>>::new());
}

#[test]
fn no_other_crate_of_the_workspace_has_modules_in_a_circle() {
    for (krate, binary) in [
        ("app", false),
        ("frontend", true),
        ("markup", false),
        ("markdown-worker", true),
        ("migrations", false),
    ] {
        let graph = graph_of(krate, binary);
        assert!(!graph.is_empty(), "{krate}: the sources were not found");
        assert_eq!(circles(&graph), Vec::<Vec<String>>::new(), "{krate}");
    }
}

#[test]
fn no_room_reaches_up_to_a_later_one() {
    let mut upward = Vec::new();
    for (from, targets) in graph() {
        // `lib.rs` declares the rooms; it uses none of them.
        if from.is_empty() {
            continue;
        }
        for to in targets {
            if room(&to) > room(&from) {
                upward.push(format!("{} uses {}", name(&from), name(&to)));
            }
        }
    }
    assert_eq!(upward, Vec::<String>::new());
}

#[test]
fn the_check_sees_a_circle_when_there_is_one() {
    let module = |s: &str| -> Module { s.split("::").map(str::to_owned).collect() };
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        ("http::extract", vec!["http::paging"]),
        ("http::paging", vec!["http::extract", "error"]),
        ("error", vec![]),
    ]
    .into_iter()
    .map(|(from, to)| (module(from), to.into_iter().map(module).collect()))
    .collect();
    assert_eq!(
        circles(&graph),
        vec![vec!["http::extract".to_owned(), "http::paging".to_owned()]]
    );
    let modules: BTreeSet<Module> = graph.keys().cloned().collect();
    let path = |s: &str| -> Vec<String> { s.split("::").map(str::to_owned).collect() };
    assert_eq!(
        resolve(
            &module("http::extract"),
            &path("super::paging::Links"),
            &modules
        ),
        Some(module("http::paging"))
    );
    assert_eq!(
        resolve(
            &module("http::paging"),
            &path("crate::error::ApiError"),
            &modules
        ),
        Some(module("error"))
    );
    assert_eq!(
        resolve(&module("error"), &path("axum::Json"), &modules),
        None
    );
}

#[test]
fn paths_inside_a_macro_and_not_visibilities_are_read() {
    let file: syn::File = syn::parse_str(
        "pub(super) fn page() { view! { <LazyPage load=|| Box::pin(super::share::dialog()) /> } }",
    )
    .unwrap();
    let mut paths = Paths::default();
    paths.visit_file(&file);
    let found: Vec<String> = paths.found.iter().map(|(_, p)| p.join("::")).collect();
    assert!(
        found.contains(&"super::share::dialog".to_owned()),
        "{found:?}"
    );
    assert!(!found.contains(&"super".to_owned()), "{found:?}");
}
