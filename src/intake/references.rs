//! Attachments a workspace refers to by path (`x_budgie: {path, sha256}`): read back on open
//! (with the attachment size cap) and checked against their hash. A block keeps its embedded
//! copy whenever the file is missing or changed; every problem becomes a warning.

use std::path::Path;

use super::read::read_bytes;
use crate::bytes;
use crate::request::limits::MAX_PDF_BYTES;
use crate::workspace::Workspace;
use crate::workspace::attach::{media_blocks_mut, reference, resolve_path, set_data, set_sha};

/// After loading: read each referenced file, check its hash, and fill in data that was saved
/// by reference. Returns one message per problem; blocks keep their embedded data whenever
/// the file is missing or changed.
pub fn resolve(workspace: &mut Workspace, base: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    for (field, block) in media_blocks_mut(workspace) {
        let Some((path, sha)) = reference(block) else {
            continue;
        };
        let file = resolve_path(base, &path);
        let has_data = block.source.data.is_some();
        let bytes = match read_bytes(&file, MAX_PDF_BYTES, "the attachment") {
            Ok(b) => b,
            Err(e) => {
                let e = e.reason();
                warnings.push(if has_data {
                    format!(
                        "{field}: attachment {} cannot be read ({e}); using the copy saved in the workspace",
                        file.display()
                    )
                } else {
                    format!(
                        "{field}: attachment {} cannot be read ({e}) and the workspace holds no copy; restore the file or remove the attachment",
                        file.display()
                    )
                });
                continue;
            }
        };
        let actual = bytes::sha256_hex(&bytes);
        if actual == sha {
            if !has_data {
                set_data(block, &bytes);
            }
            continue;
        }
        if has_data {
            warnings.push(format!(
                "{field}: attachment {} changed since it was attached (sha256 differs); using the copy saved in the workspace — attach it again to use the new version",
                file.display()
            ));
        } else {
            set_data(block, &bytes);
            set_sha(block, actual);
            warnings.push(format!(
                "{field}: attachment {} changed since it was attached (sha256 differs) and the workspace holds no copy; using the file as it is now",
                file.display()
            ));
        }
    }
    warnings
}
