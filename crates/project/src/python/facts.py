"""Python facts of a project, read with Python's own `ast` (run by crates/project).

stdin: {"root": DIR, "module": "src/memory_setup.py", "scan": ["src", ...]}
stdout: one JSON object: the interpreter, parse errors, the embedding model (resolved with
where it is set and used), and every environment variable read (with its default).
"""

import ast
import json
import os
import sys

MAX_HOPS = 12
ENV_FUNCS = {"getenv", "get", "setdefault", "pop"}


class Unresolved(Exception):
    pass


class Project:
    def __init__(self, root):
        self.root = root
        self.modules = {}
        self.errors = []

    def load(self, rel):
        if rel in self.modules:
            return self.modules[rel]
        path = os.path.join(self.root, rel)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            self.modules[rel] = None
            self.errors.append({"file": rel, "line": 0, "message": "cannot be read: %s" % exc})
            return None
        try:
            tree = ast.parse(text, filename=rel)
        except SyntaxError as exc:
            self.modules[rel] = None
            self.errors.append(
                {"file": rel, "line": exc.lineno or 0, "message": "%s: %s" % (type(exc).__name__, exc.msg)}
            )
            return None
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node
        module = Module(rel, text.splitlines(), tree)
        self.modules[rel] = module
        return module

    def module_file(self, importer, name, level):
        """The file of module `name` imported from `importer` (relative when level > 0)."""
        parts = name.split(".") if name else []
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = ["", os.path.dirname(importer)]
        for base in bases:
            stem = os.path.join(base, *parts) if parts else base
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                candidate = os.path.normpath(candidate)
                if os.path.isfile(os.path.join(self.root, candidate)):
                    return candidate
        return None


class Module:
    def __init__(self, rel, lines, tree):
        self.rel = rel
        self.lines = lines
        self.tree = tree

    def step(self, node):
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return {"file": self.rel, "line": line, "source": text}

    def place(self, node):
        step = self.step(node)
        return "%s:%d: %s" % (step["file"], step["line"], step["source"])


def enclosing_function(node):
    while node is not None:
        node = getattr(node, "parent", None)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return None


def assignments(scope, name):
    """Assignments to `name` directly in `scope` (a module or function body, nested blocks too,
    not nested functions or classes), in source order."""
    found = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        found.append((child, child.value))
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign)) and child.value is not None:
                if isinstance(child.target, ast.Name) and child.target.id == name and isinstance(child, ast.AnnAssign):
                    found.append((child, child.value))
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for alias in child.names:
                    if (alias.asname or alias.name.split(".")[0]) == name:
                        found.append((child, alias))
            visit(child)

    visit(scope)
    return found


class Resolver:
    def __init__(self, project):
        self.project = project
        self.env = None

    def value(self, module, node, trail, hops=0):
        if hops > MAX_HOPS:
            raise Unresolved("too many steps")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return str(node.value)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    parts.append(self.value(module, part.value, trail, hops + 1))
                else:
                    parts.append(self.value(module, part, trail, hops + 1))
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.value(module, node.left, trail, hops + 1) + self.value(module, node.right, trail, hops + 1)
        if isinstance(node, ast.Name):
            return self.name(module, node.id, node, trail, hops + 1)
        if isinstance(node, ast.Attribute):
            target = self.module_of(module, node.value, node)
            if target is not None:
                other = self.project.load(target)
                if other is not None:
                    return self.name(other, node.attr, None, trail, hops + 1)
            raise Unresolved("`%s` is not a constant of a project module" % ast.unparse(node) if hasattr(ast, "unparse") else "an attribute")
        if isinstance(node, ast.Call):
            return self.call(module, node, trail, hops)
        raise Unresolved("`%s` is not a string constant" % (ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__))

    def call(self, module, node, trail, hops):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) and hasattr(ast, "unparse") else ""
        is_env = name == "getenv" or (name in ENV_FUNCS and owner.endswith("environ"))
        if is_env and node.args and isinstance(node.args[0], ast.Constant):
            var = node.args[0].value
            if self.env is None:
                self.env = var
            default = node.args[1] if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "default":
                    default = keyword.value
            if default is None:
                raise Unresolved("read from the environment variable %s, without a default" % var)
            return self.value(module, default, trail, hops + 1)
        if name in ("str",) and len(node.args) == 1:
            return self.value(module, node.args[0], trail, hops + 1)
        if name == "format" and isinstance(func, ast.Attribute):
            template = self.value(module, func.value, trail, hops + 1)
            args = [self.value(module, a, trail, hops + 1) for a in node.args]
            kwargs = {k.arg: self.value(module, k.value, trail, hops + 1) for k in node.keywords if k.arg}
            return template.format(*args, **kwargs)
        if name == "join" and isinstance(func, ast.Attribute) and len(node.args) == 1:
            sep = self.value(module, func.value, trail, hops + 1)
            items = node.args[0]
            if isinstance(items, (ast.List, ast.Tuple)):
                return sep.join(self.value(module, e, trail, hops + 1) for e in items.elts)
        raise Unresolved("`%s` is a call the reader cannot evaluate" % (ast.unparse(node) if hasattr(ast, "unparse") else name))

    def module_of(self, module, node, at):
        """The file of the module `node` (a name bound by an import) refers to."""
        if not isinstance(node, ast.Name):
            return None
        for stmt, alias in reversed(assignments(module.tree, node.id)):
            if isinstance(stmt, ast.Import):
                return self.project.module_file(module.rel, alias.name, 0)
            if isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                full = (base + "." + alias.name) if base else alias.name
                found = self.project.module_file(module.rel, full, stmt.level)
                if found:
                    return found
        return None

    def name(self, module, name, at, trail, hops):
        scopes = []
        function = enclosing_function(at) if at is not None else None
        if function is not None:
            scopes.append(function)
        scopes.append(module.tree)
        for scope in scopes:
            found = assignments(scope, name)
            if not found:
                continue
            stmt, value = found[-1]
            trail.append(module.step(stmt))
            if isinstance(stmt, ast.ImportFrom):
                target = self.project.module_file(module.rel, stmt.module or "", stmt.level)
                other = self.project.load(target) if target else None
                if other is None:
                    raise Unresolved("%s imports %s from a module outside the project" % (module.place(stmt), name))
                return self.name(other, value.name, None, trail, hops + 1)
            if isinstance(stmt, ast.Import):
                raise Unresolved("`%s` is a module" % name)
            return self.value(module, value, trail, hops + 1)
        raise Unresolved("no assignment of `%s` in %s" % (name, module.rel))


def embeds(name):
    return "embed" in (name or "").lower()


def callee(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def candidates(module):
    """(node carrying the model, expression) for embeddings constructor calls, then `*embed*`
    assignments, each in source order."""
    calls, assigns = [], []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and embeds(callee(node)):
            for keyword in node.keywords:
                if keyword.arg in ("model", "model_name"):
                    calls.append((keyword.value, keyword.value, node))
            if node.args and not any(k.arg in ("model", "model_name") for k in node.keywords):
                calls.append((node.args[0], node.args[0], node))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and embeds(target.id):
                    assigns.append((node, node.value, None))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name) and embeds(node.target.id):
                assigns.append((node, node.value, None))
    key = lambda c: (getattr(c[0], "lineno", 0), getattr(c[0], "col_offset", 0))
    return sorted(calls, key=key) + sorted(assigns, key=key)


def embedding(project, rel):
    if not os.path.isfile(os.path.join(project.root, rel)):
        return {"error": "not found"}
    module = project.load(rel)
    if module is None:
        return {"error": "%s cannot be parsed" % rel}
    reasons = []
    for at, expr, call in candidates(module):
        resolver = Resolver(project)
        trail = [module.step(at)]
        try:
            value = resolver.value(module, expr, trail)
        except Unresolved as why:
            reasons.append("%s: %s" % (module.place(at), why))
            continue
        uses = [module.step(call)] if call is not None else []
        return {"value": value, "env": resolver.env, "trail": trail, "uses": uses}
    if reasons:
        return {"error": "no embedding model resolves to a string: " + "; ".join(reasons)}
    return {"error": "no embeddings constructor call with a model and no assignment to an `*embed*` name"}


def env_reads(project, rel):
    module = project.load(rel)
    if module is None:
        return []
    reads = []
    for node in ast.walk(module.tree):
        var, default = None, None
        if isinstance(node, ast.Call):
            name = callee(node)
            func = node.func
            owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) and hasattr(ast, "unparse") else ""
            if (name == "getenv" or (name in ENV_FUNCS and owner.endswith("environ"))) and node.args:
                if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    var = node.args[0].value
                    if len(node.args) > 1:
                        try:
                            default = Resolver(project).value(module, node.args[1], [])
                        except Unresolved:
                            default = None
        elif isinstance(node, ast.Subscript) and (ast.unparse(node.value) if hasattr(ast, "unparse") else "").endswith("environ"):
            key = node.slice
            if isinstance(key, ast.Index):  # Python < 3.9
                key = key.value
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                var = key.value
        if var:
            reads.append({"var": var, "file": rel, "line": node.lineno, "default": default})
    return sorted(reads, key=lambda r: r["line"])


def python_files(root, dirs):
    found = []
    for top in dirs:
        for folder, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def main():
    request = json.load(sys.stdin)
    project = Project(request["root"])
    answer = {"python": "%d.%d.%d" % sys.version_info[:3]}
    if request.get("module"):
        answer["embedding"] = embedding(project, request["module"])
    reads = []
    for rel in python_files(request["root"], request.get("scan", [])):
        reads.extend(env_reads(project, rel))
    answer["env_reads"] = reads
    answer["errors"] = sorted(project.errors, key=lambda e: (e["file"], e["line"]))
    json.dump(answer, sys.stdout)


main()
