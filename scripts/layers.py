#!/usr/bin/env python3
"""The layers of quire's source, checked.

Reads every `crate::…` path in src/ (in `use` lines and written inline), resolves each to the
file that defines the module, and fails when a file imports from a higher layer than its own.
Also prints the lines of code per top-level module and the largest import cycle between
files, the numbers the architecture is judged by.

    python3 scripts/layers.py            check, print the summary, exit 1 on an upward import
    python3 scripts/layers.py --cycle    also list the files in the largest cycle

The layers, from the bottom up (README, "Architecture"):
  1 foundation   error, the database, configuration, passwords, markdown, HTTP plumbing
  2 domains      accounts, posts, comments, moderation, categories, tags: types, stores, rules
  3 adapters     server functions, the REST API, feeds, pages and components
  4 application  the app shell and routes, the page cache, HTTP wiring, the CLI and operator tools
A file may import from its own layer and from the layers below it. Within the domain layer the
order is fixed too (a domain may import only the domains listed before it), so the domains form
no cycle.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# The first matching prefix decides a file's layer. Paths are module paths (`posts::store`).
LAYERS = [
    # application
    ("app", 4), ("main", 4), ("lib", 4), ("ops", 4), ("web::http", 4),
    # adapters
    ("api", 3), ("feeds", 3), ("pages", 3), ("components", 3),
    ("accounts::functions", 3), ("posts::functions", 3), ("comments::functions", 3),
    ("moderation::functions", 3), ("categories::functions", 3), ("tags::functions", 3),
    ("site::functions", 3), ("redirects::functions", 3), ("mail::functions", 3), ("subscriptions::functions", 3),
    ("import::functions", 3),
    ("posts::editor", 3), ("web", 3),
    # domains
    ("accounts", 2), ("posts", 2), ("comments", 2), ("moderation", 2), ("categories", 2),
    ("tags", 2), ("idempotency", 2), ("audit", 2), ("publishing", 2), ("site", 2), ("mail", 2),
    ("redirects", 2), ("subscriptions", 2), ("import", 2),
    # foundation
    ("error", 1), ("platform", 1),
]

# Upward imports still to be removed, each as "file: `from` imports `to`". The list only
# shrinks: an upward import not listed here fails the check.
KNOWN = set()

# Inside the domain layer, a domain may use only those before it in this list.
DOMAIN_ORDER = ["idempotency", "audit", "publishing", "site", "mail", "redirects", "accounts", "tags", "categories", "posts", "comments", "moderation", "subscriptions", "import"]


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    return "::".join(parts)


def layer_of(module):
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "::"):
            return layer
    return None


def domain_rank(module):
    top = module.split("::")[0]
    return DOMAIN_ORDER.index(top) if top in DOMAIN_ORDER else None


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] if not line.lstrip().startswith("//") else "" for line in text.splitlines())


def expand_use(tree, prefix=""):
    """Paths named by one `use` tree: `a::{b, c::{d}}` gives a::b, a::c::d."""
    tree = tree.strip()
    depth, items, current = 0, [], ""
    brace = tree.find("{")
    if brace == -1:
        return [prefix + tree.split(" as ")[0].strip()]
    head = tree[:brace]
    body = tree[brace + 1:tree.rfind("}")]
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    out = []
    for item in items:
        if item.strip():
            out.extend(expand_use(item, prefix + head))
    return out


def crate_paths(text, module):
    """Every module path this file names with `crate::`, `super::` or `self::`."""
    paths = []
    for use in re.findall(r"\buse\s+((?:crate|super|self)::[^;]*);", text, flags=re.S):
        paths.extend(expand_use(" ".join(use.split())))
    for inline in re.findall(r"\b(crate(?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
        paths.append(inline)
    resolved = []
    here = module.split("::") if module else []
    for p in paths:
        parts = [x for x in p.replace(" ", "").split("::") if x]
        if parts[0] == "crate":
            parts = parts[1:]
        else:
            base = list(here)
            is_mod_file = True  # super:: counts from the module, which is the file's own path
            while parts and parts[0] in ("super", "self"):
                if parts[0] == "super":
                    base = base[:-1]
                parts = parts[1:]
            parts = base + parts
        resolved.append(parts)
    return resolved


def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                files[module_of(path)] = path
    modules = set(files)

    def resolve(parts):
        for n in range(len(parts), 0, -1):
            candidate = "::".join(parts[:n])
            if candidate in modules:
                return candidate
        return None

    # `#[macro_export]` macros live at the crate root whatever file defines them: a use of
    # one (`crate::name!` or `name!`) is an import of the file that defines it.
    exported = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            for name in re.findall(r"#\[macro_export\]\s*(?:#\[[^\]]*\]\s*)*macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)", f.read()):
                exported[name] = module

    edges = defaultdict(set)
    violations = []
    loc = defaultdict(int)
    for module, path in sorted(files.items()):
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        loc[module.split("::")[0]] += sum(1 for line in raw.splitlines() if line.strip())
        text = strip_comments(raw)
        mine = layer_of(module)
        rel = os.path.relpath(path, os.path.join(ROOT, ".."))
        if mine is None:
            violations.append(f"{rel}: module `{module}` is in no layer (add it to LAYERS in scripts/layers.py)")
        used = [[*exported[m].split("::")] for m in re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)!", text) if m in exported]
        for parts in crate_paths(text, module) + used:
            target = resolve(parts)
            if target is None or target == module:
                continue
            # a module's own submodules are its parts, not a dependency across layers
            if target.startswith(module + "::") and module != "lib":
                edges[module].add(target)
                continue
            edges[module].add(target)
            theirs = layer_of(target)
            if mine is None or theirs is None:
                continue
            upward = theirs > mine
            if not upward and mine == 2 and theirs == 2:
                a, b = domain_rank(module), domain_rank(target)
                upward = a is not None and b is not None and b > a
            if upward and module not in ("lib",):
                violation = f"{rel}: `{module}` (layer {mine}) imports `{target}` (layer {theirs})"
                if f"{rel}: `{module}` imports `{target}`" in KNOWN:
                    continue
                if violation not in violations:
                    violations.append(violation)

    # largest strongly connected component (Tarjan)
    index, low, stack, on_stack, sccs = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            strongconnect(v)
    # lib declares every module: it is the root, not part of a cycle between the layers
    largest = max(sccs, key=len)

    print("lines of code (non-blank) per top-level module:")
    for top, n in sorted(loc.items(), key=lambda kv: -kv[1]):
        print(f"  {top:<14} {n:>6}")
    print(f"  {'total':<14} {sum(loc.values()):>6}")
    print(f"source files: {len(modules)}; largest import cycle: {len(largest)} files")
    if "--cycle" in sys.argv:
        for m in sorted(largest):
            print(f"  {m}")
    if violations:
        print(f"\n{len(violations)} upward import(s):", file=sys.stderr)
        for v in violations:
            print(f"  {v}", file=sys.stderr)
        sys.exit(1)
    print("layers: no upward imports")


if __name__ == "__main__":
    main()
