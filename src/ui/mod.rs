//! Pure drawing of the workbench, one file per pane. Nothing here changes the model.

pub mod breakdown;
pub mod costs;
pub mod help;
pub mod hints;
pub mod layout;
pub mod lists;
pub mod overlay;
pub mod request;
pub mod side;
pub mod text;
pub mod theme;

use ratatui::Frame;

use crate::app::Model;
use theme::Styles;

/// Draw the whole screen.
pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let styles = Styles::new(model.theme);
    let areas = layout::areas(model, area);
    let buf = frame.buffer_mut();
    if let Some(summary) = areas.summary {
        side::summary(model, &styles, summary, buf);
    }
    request::draw(model, &styles, areas.request, buf);
    costs::markers(model, &styles, areas.request, buf);
    if let Some(s) = areas.side {
        side::budget(model, &styles, s.budget, buf);
        if let Some(r) = s.model {
            side::model(model, &styles, r, buf);
        }
        if let Some(r) = s.tools {
            lists::tools(model, &styles, r, buf);
        }
        if let Some(r) = s.attachments {
            lists::attachments(model, &styles, r, buf);
        }
        if let Some(r) = s.breakdown {
            breakdown::breakdown(model, &styles, r, buf);
        }
    }
    if let Some(r) = areas.hints {
        hints::draw(model, &styles, r, buf);
    }
    overlay::draw(model, &styles, area, buf);
    costs::draw(model, &styles, area, buf);
}
