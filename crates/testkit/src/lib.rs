//! Test helpers shared by the workspace: temp git repos with a bare remote, a fake docker on PATH, the example project copy.
