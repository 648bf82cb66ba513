//! The CMake projects build scripts configure: which of them compile CUDA (their own files
//! switch the language on, or use FindCUDA), with the archs they name, the sources their
//! targets name beside the project's directory, and the directories they add only under an
//! option that is off (`crate::cuda::cmake` reads the files).

use crate::cuda::scripts;
use crate::facts::Facts;
use gate_formats::kernel_bom::BuilderKind;
use std::path::Path;

/// Keeps the calls of a bare `cmake::Config` ([`scripts::Call::cmake_project`]) whose project
/// switches CUDA on, with the line that does and the archs it names; drops the others. Every
/// CMake call also compiles the CUDA sources its project's targets name beside the project's
/// directory (`add_library(zk ../src/c_wrapper.cu)`): they become inputs of the call. The
/// project's tracked `CMakeLists.txt` and `*.cmake` files are read (its top `CMakeLists.txt`
/// when it lies outside the repository). The directories the project adds only under an
/// option that is off, and that the build script (`script`) never names, are left out.
pub(super) fn confirm_cmake_projects(
    calls: &mut Vec<scripts::Call>,
    dir: &Path,
    facts: &Facts,
    (root, script): (&Path, &str),
) {
    calls.retain_mut(|call| {
        if call.kind != BuilderKind::Cmake {
            return true;
        }
        let Some(input) = call.inputs.first() else {
            return !call.cmake_project;
        };
        let project = gate_support::path::normalize(&dir.join(input));
        let files = cmake_files(&project, facts, root);
        if call.cmake_project {
            let Some(found) = crate::cuda::cmake::cuda_project(&files) else {
                return false;
            };
            let enabled = format!("CUDA in {}", found.at);
            call.switch = Some(match call.switch.take() {
                Some(feature) => format!("{enabled} if {feature}"),
                None => enabled,
            });
            call.archs.extend(found.archs);
            call.native_arch |= found.native;
        }
        for named in crate::cuda::cmake::named_sources(&files) {
            let path = root.join(&named);
            if !path.starts_with(&project) {
                call.inputs.push(gate_support::path::shown(dir, &path));
            }
        }
        let switched = |option: &str| script.contains(option);
        for off in crate::cuda::cmake::off_subdirectories(&files, &switched) {
            let below = gate_support::path::shown(dir, &root.join(off));
            call.excludes.push(format!("{below}/**"));
        }
        true
    });
}

/// The CMake files of the project in `project` (`(workspace-relative path, text)`): its
/// tracked `CMakeLists.txt` and `*.cmake` files, or its top `CMakeLists.txt` when none is
/// tracked.
fn cmake_files(project: &Path, facts: &Facts, root: &Path) -> Vec<(String, String)> {
    let mut paths: Vec<&Path> = facts
        .index
        .files
        .iter()
        .map(|f| f.path.as_path())
        .filter(|p| p.starts_with(project))
        .filter(|p| {
            p.file_name().is_some_and(|n| n == "CMakeLists.txt")
                || p.extension().is_some_and(|e| e == "cmake")
        })
        .collect();
    let top = project.join("CMakeLists.txt");
    if paths.is_empty() {
        paths.push(&top);
    }
    paths
        .iter()
        .filter_map(|p| {
            let text = gate_support::read::text_capped(p, CMAKE_FILE_CAP).ok()?;
            Some((gate_support::path::relative(root, p), text))
        })
        .collect()
}

/// The most of one CMake file read (a generated one can be large; none that matters is).
const CMAKE_FILE_CAP: u64 = 1 << 20;
