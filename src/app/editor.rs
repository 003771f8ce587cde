//! The editor open on one text block.
//!
//! A long block is not handed to the text widget whole. ratatui-textarea 0.9 re-wraps all of
//! its text on every edit (about 50 ms a key in a 1 MB prompt), and keeps its scroll position
//! as a `u16` of wrapped rows: past 65,535 rows (a pasted 50,000-line text in a narrow pane)
//! the view stops following the cursor and what is typed is not seen. So the widget holds a
//! window of whole lines around the cursor — at most a few dozen kilobytes — and the rest of
//! the block stays in the request. Each edit writes the window back in place; when the cursor
//! comes near an edge of the window with more text beyond it, the window moves to centre on
//! the cursor again, keeping the cursor where it was on the screen.
//!
//! The widget's own undo covers the typing in the current window. When the window moves,
//! the typing done in it becomes one entry of the workbench's undo history (a
//! [`Change::SpliceText`]), so Ctrl-Z still takes it back.

use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use ratatui_textarea::{CursorMove, DataCursor, TextArea, WrapMode};

use super::doc::Slot;
use super::history::Change;

/// Lines kept in the window on each side of the cursor line, at most…
const SIDE_LINES: usize = 150;
/// …and bytes, at most (whole lines: a longer cursor line is taken whole).
const SIDE_BYTES: usize = 12 * 1024;
/// The window moves once the cursor is this close to an edge with text beyond it, in lines
/// and in bytes both (either one is enough room for a screenful of wrapped rows).
const MARGIN_LINES: usize = 60;
const MARGIN_BYTES: usize = 5 * 1024;

#[derive(Debug, Clone)]
pub struct Editor {
    pub slot: Slot,
    /// The widget, holding the window's lines.
    pub area: TextArea<'static>,
    /// Where the window starts in the block's text (a line start), in bytes…
    start: usize,
    /// …and in lines.
    first_line: usize,
    /// Bytes of the block after the window (they never change while the window stays).
    after: usize,
    /// The window's text when it was opened, and whether it has been edited since: what the
    /// undo history gets when the window moves.
    opened: String,
    edited: bool,
    /// The size the widget was last drawn at (set while drawing), to keep the cursor on the
    /// same screen row when the window moves.
    drawn: Cell<(u16, u16)>,
}

impl Editor {
    /// An editor on `text` with the cursor at byte `cursor` (the end when `None`).
    pub fn open(slot: Slot, text: &str, cursor: Option<usize>) -> Editor {
        let cursor = floor_char_boundary(text, cursor.unwrap_or(text.len()));
        let (start, end) = window_around(text, cursor);
        let first_line = count_lines(&text.as_bytes()[..start]);
        let mut editor = Editor {
            slot,
            area: TextArea::default(),
            start,
            first_line,
            after: text.len() - end,
            opened: text[start..end].to_string(),
            edited: false,
            drawn: Cell::new((0, 0)),
        };
        editor.area = widget(&text[start..end]);
        editor.place_cursor(&text[start..], cursor - start);
        editor
    }

    /// Whether the window holds the block's whole text.
    pub fn whole(&self) -> bool {
        self.start == 0 && self.after == 0
    }

    /// The window's text as the widget has it now.
    pub fn window_text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Write the window back into the block's `text` (after an edit in the widget).
    pub fn write_back(&mut self, text: &mut String) {
        let end = text.len() - self.after;
        text.replace_range(self.start..end, &self.window_text());
        self.edited = true;
    }

    /// The cursor's byte offset in the whole block.
    pub fn cursor_byte(&self) -> usize {
        let DataCursor(row, col) = self.area.cursor();
        let lines = self.area.lines();
        let before: usize = lines[..row].iter().map(|l| l.len() + 1).sum();
        let line = &lines[row];
        let in_line = line.char_indices().nth(col).map_or(line.len(), |(i, _)| i);
        self.start + before + in_line
    }

    /// The cursor's line in the whole block (0-based).
    pub fn cursor_line(&self) -> usize {
        self.first_line + self.area.cursor().0
    }

    /// Remember the size the widget is drawn at (called while drawing).
    pub fn drawn_at(&self, width: u16, height: u16) {
        self.drawn.set((width, height));
    }

    /// Move the window when the cursor has come near one of its edges with more of `text`
    /// (the whole block, as written back) beyond it, or when the window has grown too big
    /// (a paste). Returns the change that undoes the typing done in the old window, for the
    /// undo history, when there was some.
    pub fn follow(&mut self, text: &str) -> Option<Change> {
        if !self.needs_moving(text) {
            return None;
        }
        let cursor = self.cursor_byte();
        let undo = self.take_undo();
        // The cursor's row on the screen, to keep it there.
        let screen_row = self
            .area
            .screen_cursor()
            .row
            .saturating_sub(usize::from(self.area.scroll_offset().0));
        let drawn = self.drawn.get();
        *self = Editor::open(self.slot, text, Some(cursor));
        self.drawn.set(drawn);
        self.keep_screen_row(screen_row);
        undo
    }

    /// The change that undoes the typing written back from this window since it was opened
    /// (or since the last call), for the undo history; the window then counts as unedited.
    /// (The widget's own undo keeps only its last 50 edits, and forgets them all when the
    /// window moves.)
    pub fn take_undo(&mut self) -> Option<Change> {
        if !std::mem::take(&mut self.edited) {
            return None;
        }
        let now = self.window_text();
        let old = std::mem::replace(&mut self.opened, now);
        (old != self.opened).then(|| Change::SpliceText {
            slot: self.slot,
            at: self.start,
            len: self.opened.len(),
            text: old,
        })
    }

    fn needs_moving(&self, text: &str) -> bool {
        let lines = self.area.lines();
        let DataCursor(row, _) = self.area.cursor();
        // Grown too big (a paste, or a long block opened whole before): a window again.
        let window_bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let too_big =
            window_bytes > 4 * (SIDE_BYTES + lines[row].len()) || lines.len() > 4 * SIDE_LINES + 1;
        if too_big {
            return true;
        }
        if self.whole() {
            return false;
        }
        let bytes_above: usize = lines[..row].iter().map(|l| l.len() + 1).sum();
        let bytes_below: usize = lines[row + 1..].iter().map(|l| l.len() + 1).sum();
        let near_top = self.start > 0 && row < MARGIN_LINES && bytes_above < MARGIN_BYTES;
        let below = lines.len() - 1 - row;
        let near_bottom = self.after > 0 && below < MARGIN_LINES && bytes_below < MARGIN_BYTES;
        debug_assert!(self.start + window_bytes <= text.len() + 1);
        near_top || near_bottom
    }

    /// Put the cursor at byte `offset` of `from` (the text from the window's start on).
    fn place_cursor(&mut self, from: &str, offset: usize) {
        let before = &from[..offset];
        let row = count_lines(before.as_bytes());
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count();
        jump(&mut self.area, row, col);
    }

    /// Scroll the freshly opened window so the cursor shows on screen row `row` of the
    /// widget, as it did before the window moved. The widget keeps its scroll position from
    /// one drawing to the next and only scrolls to keep the cursor in view, so: draw once
    /// (off screen) with the cursor where the wanted top row will be the first one shown,
    /// then put the cursor back.
    fn keep_screen_row(&mut self, row: usize) {
        let (width, height) = self.drawn.get();
        if width == 0 || height == 0 {
            return;
        }
        let DataCursor(cursor_row, cursor_col) = self.area.cursor();
        let screen = laid_out_cursor_row(&self.area, width, height);
        let top = screen.saturating_sub(row.min(usize::from(height) - 1));
        // With the cursor on the last row shown, the first row shown is `top`.
        let bottom = top + usize::from(height) - 1;
        let data = self.area.screen_to_data(bottom, 0);
        jump(&mut self.area, data.0, data.1);
        let area = Rect::new(0, 0, width, height);
        self.area.render(area, &mut Buffer::empty(area));
        jump(&mut self.area, cursor_row, cursor_col);
    }
}

/// The wrapped row of the cursor once the widget is laid out at `width` × `height`.
fn laid_out_cursor_row(widget: &TextArea<'static>, width: u16, height: u16) -> usize {
    // Drawing is what gives the widget its width (and so its wrapping).
    let area = Rect::new(0, 0, width, height);
    widget.render(area, &mut Buffer::empty(area));
    widget.screen_cursor().row
}

fn jump(area: &mut TextArea<'static>, row: usize, col: usize) {
    // `Jump` takes u16s; a window has far fewer lines, and a longer line's column is
    // reached by moving to its end.
    let row = u16::try_from(row).unwrap_or(u16::MAX);
    match u16::try_from(col) {
        Ok(col) => area.move_cursor(CursorMove::Jump(row, col)),
        Err(_) => {
            area.move_cursor(CursorMove::Jump(row, 0));
            area.move_cursor(CursorMove::End);
        }
    }
}

/// A widget on `text`, wrapping as the workbench wants.
fn widget(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let mut area = TextArea::new(lines);
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.set_cursor_line_style(ratatui::style::Style::default());
    area
}

/// The window of whole lines around byte `cursor` of `text`: `(start, end)`, `start` at a
/// line's start, `end` at a line's end.
fn window_around(text: &str, cursor: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let line_start = bytes[..cursor]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[cursor..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| cursor + i);
    // Back over whole lines.
    let mut start = line_start;
    let mut lines = 0;
    while start > 0 && lines < SIDE_LINES {
        let prev = bytes[..start - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if line_start - prev > SIDE_BYTES {
            break;
        }
        start = prev;
        lines += 1;
    }
    // Forward over whole lines.
    let mut end = line_end;
    let mut lines = 0;
    while end < bytes.len() && lines < SIDE_LINES {
        let next = bytes[end + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| end + 1 + i);
        if next - line_end > SIDE_BYTES {
            break;
        }
        end = next;
        lines += 1;
    }
    (start, end)
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn long_text(lines: usize) -> String {
        (0..lines)
            .map(|i| format!("line {i}: some words to wrap"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_short_text_is_opened_whole() {
        let e = Editor::open(Slot::System(0), "one\ntwo", None);
        assert!(e.whole());
        assert_eq!(e.area.lines(), ["one", "two"]);
        assert_eq!(e.area.cursor(), (1, 3));
    }

    #[test]
    fn a_long_text_is_opened_on_a_window_of_whole_lines_around_the_cursor() {
        let text = long_text(50_000);
        let at = text.find("line 25000:").expect("the line");
        let e = Editor::open(Slot::System(0), &text, Some(at + 3));
        assert!(!e.whole());
        assert!(e.area.lines().len() <= 2 * SIDE_LINES + 1);
        assert_eq!(e.cursor_line(), 25_000);
        assert_eq!(e.cursor_byte(), at + 3);
        assert!(text[e.start..].starts_with(&e.area.lines()[0]));
    }

    #[test]
    fn typing_written_back_lands_in_place_and_moving_keeps_the_text() {
        let mut text = long_text(20_000);
        let at = text.find("line 10000:").expect("the line");
        let mut e = Editor::open(Slot::System(0), &text, Some(at));
        e.area.insert_str("typed ");
        e.write_back(&mut text);
        assert!(text.contains("typed line 10000:"));
        // Walk down far: the window follows, the text never changes, the cursor line counts.
        for _ in 0..1_000 {
            e.area.move_cursor(CursorMove::Down);
            assert!(
                e.follow(&text)
                    .is_none_or(|c| matches!(c, Change::SpliceText { .. }))
            );
        }
        assert_eq!(e.cursor_line(), 11_000);
        let cursor = e.cursor_byte();
        let line_start = text[..cursor].rfind('\n').map_or(0, |i| i + 1);
        assert!(text[line_start..].starts_with("line 11000:"));
        assert_eq!(cursor - line_start, "typed ".len(), "the column is kept");
    }

    #[test]
    fn the_typing_of_a_window_left_behind_can_be_undone() {
        let mut text = long_text(20_000);
        let original = text.clone();
        let at = text.find("line 5000:").expect("the line");
        let mut e = Editor::open(Slot::System(0), &text, Some(at));
        e.area.insert_str("typed ");
        e.write_back(&mut text);
        let mut undo = None;
        for _ in 0..500 {
            e.area.move_cursor(CursorMove::Down);
            undo = undo.or(e.follow(&text));
        }
        let Some(Change::SpliceText {
            at, len, text: old, ..
        }) = undo
        else {
            panic!("moving the window hands over the typing's undo");
        };
        text.replace_range(at..at + len, &old);
        assert_eq!(text, original);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Wherever the cursor starts and whatever is typed, the block written back is the
        /// text with the typing inserted at the cursor.
        #[test]
        fn write_back_inserts_at_the_cursor(
            lines in 1usize..3_000,
            pick in 0.0f64..1.0,
            typed in "[a-z \n]{1,20}",
        ) {
            let mut text = long_text(lines);
            let mut at = floor_char_boundary(&text, (text.len() as f64 * pick) as usize);
            while !text.is_char_boundary(at) { at -= 1; }
            let mut e = Editor::open(Slot::System(0), &text, Some(at));
            prop_assert_eq!(e.cursor_byte(), at);
            let mut expected = text.clone();
            expected.insert_str(at, &typed);
            e.area.insert_str(&typed);
            e.write_back(&mut text);
            prop_assert_eq!(&text, &expected);
            prop_assert_eq!(e.cursor_byte(), at + typed.len());
        }
    }
}
