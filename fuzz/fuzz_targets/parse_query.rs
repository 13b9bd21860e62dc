//! The query parser: any text parses or is refused; a parsed query prints to text that parses
//! back to the same query.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = claimgraph_fuzz::text(data);
    let _ = claimgraph::syntax::parse_script(text);
    if let Ok(query) = claimgraph::syntax::query::parse_query(text) {
        let printed = query.to_string();
        let again = claimgraph::syntax::query::parse_query(&printed).unwrap_or_else(|e| {
            panic!("{text:?} printed as {printed:?}, which does not parse: {}", e.message)
        });
        assert_eq!(again, query, "{text:?} printed as {printed:?}");
    }
});
