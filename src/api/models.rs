//! `GET /v1/models`: the models a key can use.

use serde::{Deserialize, Serialize};

/// One model as the API lists it. Newer API versions add the token limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiModel {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub max_input_tokens: Option<u64>,
    #[serde(default)]
    pub max_tokens: Option<u64>,
}

/// One page of the listing.
#[derive(Debug, Deserialize)]
pub(crate) struct ModelsPage {
    pub data: Vec<ApiModel>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub last_id: Option<String>,
}
