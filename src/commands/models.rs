//! `budgie models`: the models budgie knows — context window, prices as billed, the minimum
//! cacheable prompt — and with a key the ones the API lists, whose context windows (on API
//! versions that give them) replace the registry's.

use serde_json::{Value, json};

use crate::api::{ApiModel, Client, ErrorKind};
use crate::config::Resolved;
use crate::cost::prices::trim;
use crate::numbers::{group, short};
use crate::registry::{ModelInfo, Registry};

/// One line of the listing: a registry model (and whether the API lists it), or a model
/// only the API knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed<'a> {
    Known {
        model: &'a ModelInfo,
        /// `None` when the API was not asked.
        available: Option<bool>,
        /// The context window the API gives for it (`max_input_tokens`), when it does.
        api_context_window: Option<u64>,
    },
    ApiOnly(ApiModel),
}

/// Registry models in registry order, then the API's models the registry does not know (in
/// the API's order). A registry model is available when the API lists its id or an alias.
pub fn merge<'a>(registry: &'a Registry, api: Option<&[ApiModel]>) -> Vec<Listed<'a>> {
    let mut listed: Vec<Listed<'a>> = registry
        .models()
        .iter()
        .map(|model| {
            let listed: Vec<&ApiModel> = api
                .into_iter()
                .flatten()
                .filter(|a| registry.find(&a.id).is_some_and(|m| m.id == model.id))
                .collect();
            Listed::Known {
                model,
                available: api.map(|_| !listed.is_empty()),
                api_context_window: listed.iter().find_map(|a| a.max_input_tokens),
            }
        })
        .collect();
    if let Some(api) = api {
        listed.extend(
            api.iter()
                .filter(|a| registry.find(&a.id).is_none())
                .cloned()
                .map(Listed::ApiOnly),
        );
    }
    listed
}

pub fn run(settings: &Resolved, json: bool) -> i32 {
    settings.warn_on_stderr();
    let (api, status) = match fetch(settings) {
        Fetched::NoKey => (None, super::exit::OK),
        Fetched::Models(models) => (Some(models), super::exit::OK),
        Fetched::Failed(message) => {
            eprintln!("budgie models: {message}\nbudgie models: showing budgie's own list only");
            (None, super::exit::API)
        }
    };
    for entry in merge(Registry::builtin(), api.as_deref()) {
        if json {
            println!("{}", json_line(&entry));
        } else {
            println!("{}", plain_line(&entry));
        }
    }
    if !json {
        for line in footer() {
            println!("{line}");
        }
    }
    status
}

enum Fetched {
    NoKey,
    Models(Vec<ApiModel>),
    Failed(String),
}

fn fetch(settings: &Resolved) -> Fetched {
    let client = match Client::from_found_key(&settings.api_key) {
        Ok(client) => client,
        Err(e) if e.kind == ErrorKind::MissingKey => return Fetched::NoKey,
        Err(e) => return Fetched::Failed(e.to_string()),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Fetched::Failed(format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(client.list_models()) {
        Ok(models) => Fetched::Models(models),
        Err(e) => Fetched::Failed(e.to_string()),
    }
}

fn json_line(entry: &Listed<'_>) -> Value {
    match entry {
        Listed::Known {
            model,
            available,
            api_context_window,
        } => {
            let rules = Registry::builtin().price_rules();
            let rates = crate::cost::prices::rates(model, rules, 0);
            let mut line = json!({
                "id": model.id,
                "display_name": model.display_name,
                "family": model.family.name(),
                "context_window": api_context_window.unwrap_or(model.context_window),
                "context_window_source": if api_context_window.is_some() { "api" } else { "registry" },
                "max_output": model.max_output,
                "input_price_per_mtok": model.input_price_per_mtok,
                "output_price_per_mtok": model.output_price_per_mtok,
                "cache_write_5m_per_mtok": rates.cache_write_5m.per_mtok(),
                "cache_write_1h_per_mtok": rates.cache_write_1h.per_mtok(),
                "cache_read_per_mtok": rates.cache_read.per_mtok(),
                "batch_discount": 1.0 - rules.batch,
                "price_source": model.price_source,
                "min_cacheable_tokens": model.min_cacheable_tokens.value,
                "min_cacheable_verified": model.min_cacheable_tokens.verified,
            });
            if let Value::Object(map) = &mut line {
                if let Some(available) = available {
                    map.insert("available".into(), json!(available));
                }
                if let Some(lc) = &model.long_context {
                    map.insert(
                        "long_context".into(),
                        json!({
                            "above_input_tokens": lc.above_input_tokens,
                            "input_price_per_mtok": lc.input_per_mtok,
                            "output_price_per_mtok": lc.output_per_mtok,
                            "context_window": lc.context_window,
                            "requires": lc.requires,
                        }),
                    );
                }
            }
            line
        }
        Listed::ApiOnly(model) => json!({
            "id": model.id,
            "display_name": model.display_name,
            "context_window": model.max_input_tokens,
            "max_output": model.max_tokens,
            "available": true,
            "in_registry": false,
        }),
    }
}

fn plain_line(entry: &Listed<'_>) -> String {
    match entry {
        Listed::Known {
            model,
            available,
            api_context_window,
        } => {
            let mark = match available {
                Some(true) => "  available",
                Some(false) => "  not listed by the API",
                None => "",
            };
            let window = match api_context_window {
                Some(w) if *w != model.context_window => format!("{} (API)", short(*w)),
                _ => short(model.context_window),
            };
            let mut line = format!(
                "{:<22} {:<18} {:<6} context {:>9}  {:<14} per MTok  cache from {} tok{}",
                model.id,
                model.display_name,
                model.family.name(),
                window,
                format!(
                    "${} / ${}",
                    trim(model.input_price_per_mtok),
                    trim(model.output_price_per_mtok)
                ),
                group(model.min_cacheable_tokens.value),
                if model.min_cacheable_tokens.verified {
                    ""
                } else {
                    " (unverified)"
                },
            );
            if let Some(lc) = &model.long_context {
                line.push_str(&format!(
                    "  above {}: ${} / ${}",
                    group(lc.above_input_tokens),
                    trim(lc.input_per_mtok),
                    trim(lc.output_per_mtok)
                ));
            }
            line.push_str(mark);
            line
        }
        Listed::ApiOnly(model) => format!(
            "{:<22} {:<18} (listed by the API; not in budgie's registry, so offline counts \
             use the newest family's defaults)",
            model.id,
            model.display_name.as_deref().unwrap_or("")
        ),
    }
}

/// The lines after the listing: what the prices are and where they come from.
fn footer() -> Vec<String> {
    let rules = Registry::builtin().price_rules();
    vec![
        String::new(),
        format!(
            "Prices in US dollars per million tokens; a 5-minute cache write costs {}x the input \
             price, a 1-hour write {}x, a cache read {}x; the Batch API {}x. Sources: \
             assets/models.json (price_source, min_cacheable_tokens.source per model).",
            rules.cache_write_5m, rules.cache_write_1h, rules.cache_read, rules.batch
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(id: &str) -> ApiModel {
        ApiModel {
            id: id.into(),
            display_name: Some(id.to_uppercase()),
            created_at: None,
            max_input_tokens: None,
            max_tokens: None,
        }
    }

    #[test]
    fn api_ids_and_aliases_mark_registry_models_available() {
        let registry = Registry::builtin();
        let listed = merge(
            registry,
            Some(&[api("claude-sonnet-4-5-20250929"), api("claude-nova-9")]),
        );
        let sonnet = listed
            .iter()
            .find_map(|l| match l {
                Listed::Known {
                    model, available, ..
                } if model.id == "claude-sonnet-4-5" => Some(*available),
                _ => None,
            })
            .expect("sonnet 4.5 is in the registry");
        assert_eq!(sonnet, Some(true));
        let opus = listed.iter().find_map(|l| match l {
            Listed::Known {
                model, available, ..
            } if model.id == "claude-opus-5" => Some(*available),
            _ => None,
        });
        assert_eq!(opus, Some(Some(false)));
        assert_eq!(listed.last(), Some(&Listed::ApiOnly(api("claude-nova-9"))));
        assert_eq!(listed.len(), registry.models().len() + 1);
    }

    #[test]
    fn without_the_api_nothing_is_marked() {
        let listed = merge(Registry::builtin(), None);
        assert!(listed.iter().all(|l| matches!(
            l,
            Listed::Known {
                available: None,
                ..
            }
        )));
    }
}
