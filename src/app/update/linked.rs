//! A file a block or tool is linked to changed on disk. A block with no edits of its own
//! since the file was read takes the new text (one undoable edit, counted at once); a block
//! edited in budgie keeps its text, and the next save asks before replacing the file.

use serde_json::{Map, Value};

use super::{change, key_for, notice};
use crate::app::doc::Slot;
use crate::app::history::Change;
use crate::app::keymap::Command;
use crate::app::model::Model;
use crate::app::msg::Effect;
use crate::request::{Content, ContentBlock, Request, System, Tool};
use crate::workspace::ANNOTATION;
use crate::workspace::links::{SHA, linked_file};

pub(super) fn on_changed(
    model: &mut Model,
    file: &str,
    result: Result<String, String>,
) -> Vec<Effect> {
    let name = file.rsplit('/').next().unwrap_or(file).to_string();
    let text = match result {
        Ok(text) => text,
        Err(e) => {
            notice(
                model,
                format!("linked file {file}: cannot read it now ({e})"),
            );
            return Vec::new();
        }
    };
    let new_sha = crate::bytes::sha256_hex(text.as_bytes());
    let unsaved = model.unsaved;
    let mut effects = Vec::new();
    let mut reloaded = false;
    let mut kept = false;
    for slot in text_slots(&model.ws.request, file) {
        let Some(extra) = extra_mut(&mut model.ws.request, slot) else {
            continue;
        };
        let base = sha_of(extra);
        if base.as_deref() == Some(new_sha.as_str()) {
            // What budgie read or wrote last: nothing new.
            continue;
        }
        let current = crate::app::doc::content(&model.ws.request, slot)
            .and_then(crate::app::doc::SlotContent::text)
            .unwrap_or("")
            .to_string();
        if crate::bytes::sha256_hex(current.as_bytes()) == new_sha {
            // The file holds the block's text already (budgie's own save).
            if let Some(extra) = extra_mut(&mut model.ws.request, slot) {
                set_sha(extra, &new_sha);
            }
            continue;
        }
        let edited_here = base.is_some_and(|b| b != crate::bytes::sha256_hex(current.as_bytes()));
        if edited_here {
            kept = true;
            continue;
        }
        if current != text {
            let what = format!("{name} reloaded from disk");
            if let Some(e) = change(
                model,
                what,
                Change::SetText {
                    slot,
                    text: text.clone(),
                },
            ) {
                effects.extend(e);
                reloaded = true;
                if model.editor.as_ref().is_some_and(|e| e.slot == slot) {
                    model.open_editor();
                }
            }
        }
        if let Some(extra) = extra_mut(&mut model.ws.request, slot) {
            set_sha(extra, &new_sha);
        }
    }
    let tools = model.ws.request.tools.clone().unwrap_or_default();
    for (at, tool) in tools.iter().enumerate() {
        if linked_file(&tool.extra) != Some(file)
            || sha_of(&tool.extra).as_deref() == Some(new_sha.as_str())
        {
            continue;
        }
        match serde_json::from_str::<Tool>(&text) {
            Ok(mut read) => {
                let mut plain = tool.clone();
                plain.extra.remove(ANNOTATION);
                if read == plain {
                    continue;
                }
                if let Some(note) = tool.extra.get(ANNOTATION) {
                    read.extra.insert(ANNOTATION.into(), note.clone());
                }
                set_sha(&mut read.extra, &new_sha);
                let what = format!("{name} reloaded from disk");
                if let Some(e) = change(model, what, Change::SetTool { at, tool: read }) {
                    effects.extend(e);
                    reloaded = true;
                }
            }
            Err(e) => {
                notice(
                    model,
                    format!(
                        "linked tool file {file} changed but is not a tool ({e}); kept the old one"
                    ),
                );
            }
        }
    }
    if reloaded {
        // The workspace file itself did not change: the reload leaves it as saved as it was.
        model.unsaved = unsaved;
        let undo = key_for(model, Command::Undo);
        notice(
            model,
            format!("{name} changed on disk: reloaded ({undo} goes back)"),
        );
    } else if kept {
        notice(
            model,
            format!(
                "{name} changed on disk; your edits here are kept (saving asks before replacing \
                 the file)"
            ),
        );
    }
    effects.dedup();
    effects
}

/// The text blocks linked to `file`.
fn text_slots(request: &Request, file: &str) -> Vec<Slot> {
    let mut out = Vec::new();
    if let Some(System::Blocks(blocks)) = &request.system {
        for (i, b) in blocks.iter().enumerate() {
            if linked_file(&b.extra) == Some(file) {
                out.push(Slot::System(i));
            }
        }
    }
    for (t, message) in request.messages.iter().enumerate() {
        if let Content::Blocks(blocks) = &message.content {
            for (b, block) in blocks.iter().enumerate() {
                if let ContentBlock::Text(tb) = block
                    && linked_file(&tb.extra) == Some(file)
                {
                    out.push(Slot::Turn(t, b));
                }
            }
        }
    }
    out
}

fn extra_mut(request: &mut Request, slot: Slot) -> Option<&mut Map<String, Value>> {
    match slot {
        Slot::System(i) => match &mut request.system {
            Some(System::Blocks(blocks)) => blocks.get_mut(i).map(|b| &mut b.extra),
            _ => None,
        },
        Slot::Turn(t, b) => match &mut request.messages.get_mut(t)?.content {
            Content::Blocks(blocks) => match blocks.get_mut(b)? {
                ContentBlock::Text(tb) => Some(&mut tb.extra),
                _ => None,
            },
            Content::Text(_) => None,
        },
    }
}

fn sha_of(extra: &Map<String, Value>) -> Option<String> {
    extra
        .get(ANNOTATION)?
        .get(SHA)?
        .as_str()
        .map(str::to_string)
}

fn set_sha(extra: &mut Map<String, Value>, sha: &str) {
    if let Some(Value::Object(note)) = extra.get_mut(ANNOTATION) {
        note.insert(SHA.into(), Value::from(sha));
    }
}
