//! List filters: the Python SDK's `filters` dict (`status`, `per_page`, `page`, `sortBy`,
//! `order`, `search_content`) as a builder over the API crate's [`ListQuery`].
//!
//! Nothing is checked here: the server is the authority on the rules and answers a bad filter
//! with `ModelArts.0104`, which the caller then sees as an ordinary failed answer.

use vizjobs_api::{JobStatus, ListQuery, SortKey, SortOrder};

/// Which jobs a list call returns, and in which order. The default lists the first page of
/// ten jobs by ascending id, every status included.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListFilters {
    query: ListQuery,
}

impl ListFilters {
    pub fn new() -> Self {
        Self::default()
    }

    /// Only jobs in this status; call again to accept several.
    pub fn status(mut self, status: JobStatus) -> Self {
        if !self.query.status.contains(&status) {
            self.query.status.push(status);
        }
        self
    }

    /// Page number, from 1.
    pub fn page(mut self, page: u32) -> Self {
        self.query.page = page;
        self
    }

    /// Jobs per page, 1–1000.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.query.per_page = per_page;
        self
    }

    pub fn sort_by(mut self, key: SortKey) -> Self {
        self.query.sort_by = key;
        self
    }

    pub fn order(mut self, order: SortOrder) -> Self {
        self.query.order = order;
        self
    }

    /// Only jobs whose name contains this text.
    pub fn search_content(mut self, text: impl Into<String>) -> Self {
        self.query.search_content = text.into();
        self
    }

    pub fn as_query(&self) -> &ListQuery {
        &self.query
    }

    /// The query pairs sent (defaults are left out, as the server assumes them).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        self.query.to_pairs()
    }
}

impl From<ListQuery> for ListFilters {
    fn from(query: ListQuery) -> Self {
        Self { query }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_send_nothing() {
        assert!(ListFilters::new().query_pairs().is_empty());
    }

    #[test]
    fn every_filter_becomes_a_pair() {
        let filters = ListFilters::new()
            .status(JobStatus::Running)
            .status(JobStatus::Killed)
            .status(JobStatus::Running)
            .page(2)
            .per_page(50)
            .sort_by(SortKey::CreateTime)
            .order(SortOrder::Desc)
            .search_content("vj job");
        let pairs = filters.query_pairs();
        let expect: Vec<(&str, String)> = vec![
            ("status", "8,12".into()),
            ("per_page", "50".into()),
            ("page", "2".into()),
            ("sortBy", "create_time".into()),
            ("order", "desc".into()),
            ("search_content", "vj job".into()),
        ];
        assert_eq!(pairs, expect);
    }

    #[test]
    fn out_of_rule_values_are_still_sent() {
        let pairs = ListFilters::new().per_page(0).query_pairs();
        assert_eq!(pairs, vec![("per_page", "0".to_owned())]);
    }
}
