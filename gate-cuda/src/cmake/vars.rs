//! The variables one CMake file sets, read top to bottom: `set(SRC ../src/wrap.cu)`, then
//! `${SRC}`; `set(DIR ${CMAKE_CURRENT_SOURCE_DIR}/../common)`, then `${DIR}/src/device.cu`
//! (tfhe-rs). Only what the file itself says is known: a variable set elsewhere (the command
//! line, a parent project, the cache) stays unexpanded, and a path that still holds a `$` is
//! no path to the caller.

use std::collections::HashMap;

/// The variables set so far in one CMake file, each to its values as they were expanded then.
#[derive(Debug, Default)]
pub(super) struct Vars {
    set: HashMap<String, Vec<String>>,
    /// Whether the file is a `CMakeLists.txt` (where `CMAKE_CURRENT_SOURCE_DIR` is its own
    /// directory); in an included `*.cmake` file only `CMAKE_CURRENT_LIST_DIR` is.
    lists: bool,
}

impl Vars {
    /// The variables of the file at `path`, none set yet.
    pub(super) fn of(path: &str) -> Vars {
        Vars {
            set: HashMap::new(),
            lists: path.rsplit('/').next() == Some("CMakeLists.txt"),
        }
    }

    /// Reads one command (`name` lower-cased): `set(NAME value…)` sets `NAME` to its values,
    /// expanded now, cut before `CACHE` or `PARENT_SCOPE`. A `set` in a branch counts like
    /// any other (`if(NOT DIR) set(DIR default) endif()` gives the default). Whether it was a
    /// `set`.
    pub(super) fn read(&mut self, name: &str, args: &[String]) -> bool {
        if name != "set" {
            return false;
        }
        let Some((var, values)) = args.split_first() else {
            return true;
        };
        let values: Vec<String> = values
            .iter()
            .take_while(|v| *v != "CACHE" && *v != "PARENT_SCOPE")
            .flat_map(|v| self.expand(v))
            .collect();
        self.set.insert(var.clone(), values);
        true
    }

    /// `arg` with the variables it names replaced: `${NAME}` alone by each of its values; a
    /// `${NAME}` inside a longer word by its one value; the current directory (`.`, relative
    /// to the file's directory) for `CMAKE_CURRENT_LIST_DIR`, and in a `CMakeLists.txt` for
    /// `CMAKE_CURRENT_SOURCE_DIR`. A name not known here keeps its `${…}`.
    pub(super) fn expand(&self, arg: &str) -> Vec<String> {
        if let Some(name) = arg.strip_prefix("${").and_then(|a| a.strip_suffix('}'))
            && let Some(values) = self.set.get(name)
            && !name.contains(['$', '{', '}'])
        {
            return values.clone();
        }
        let mut out = String::with_capacity(arg.len());
        let mut rest = arg;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match self.value(name) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[at..at + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        vec![out]
    }

    /// The one value `name` stands for inside a word, when it is known.
    fn value(&self, name: &str) -> Option<&str> {
        match name {
            "CMAKE_CURRENT_LIST_DIR" => Some("."),
            "CMAKE_CURRENT_SOURCE_DIR" if self.lists => Some("."),
            _ => match self.set.get(name).map(Vec::as_slice) {
                Some([one]) => Some(one.as_str()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Vars;

    fn args(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn a_variable_is_expanded_as_it_was_set_and_an_unknown_one_is_kept() {
        let mut vars = Vars::of("cuda/CMakeLists.txt");
        assert!(vars.read("set", &args("DIR ${CMAKE_CURRENT_SOURCE_DIR}/../common")));
        assert!(vars.read("set", &args("SRCS a.cu b.cu CACHE STRING doc")));
        assert!(!vars.read("add_library", &args("x ${SRCS}")));
        assert_eq!(
            vars.expand("${DIR}/src/device.cu"),
            ["./../common/src/device.cu"]
        );
        assert_eq!(vars.expand("${SRCS}"), ["a.cu", "b.cu"]);
        assert_eq!(vars.expand("${GEN}/g.cu"), ["${GEN}/g.cu"]);
        assert_eq!(
            vars.expand("${SRCS}/x.cu"),
            ["${SRCS}/x.cu"],
            "two values in one word"
        );
        assert_eq!(vars.expand("${unclosed"), ["${unclosed"]);
        let included = Vars::of("cuda/cmake/flags.cmake");
        assert_eq!(
            included.expand("${CMAKE_CURRENT_SOURCE_DIR}/k.cu"),
            ["${CMAKE_CURRENT_SOURCE_DIR}/k.cu"],
            "in an included file the source directory is the includer's"
        );
        assert_eq!(
            included.expand("${CMAKE_CURRENT_LIST_DIR}/k.cu"),
            ["./k.cu"]
        );
    }
}
