//! Placeholder until the HTML extraction module lands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlArticle {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<chrono::NaiveDate>,
    pub language: Option<String>,
    pub text: String,
}
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error("no main text found in the page")]
    NoText,
}
pub fn extract_html(_html: &str, _url: Option<&str>) -> Result<HtmlArticle, HtmlError> {
    Err(HtmlError::NoText)
}
