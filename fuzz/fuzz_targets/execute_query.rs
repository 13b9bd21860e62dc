//! Query execution on a small graph: any query ends in a result or an error, never a panic
//! (which `execute` would return as an `InternalError`). Queries run under a 256 MiB memory
//! budget (far below libFuzzer's RSS limit) and are cancelled after a second; graphs are
//! rebuilt when a query changed them.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

const GRAPH: &str = "
SOURCE (reuters:NewsAgency {name: 'Reuters'});
SOURCE (doctor:Person {name: 'a doctor'}) VIA reuters;
DOCUMENT (article:Article {name: 'The article', date: @2018-02-13});
ENTITY (wagner:Organization {name: 'Wagner', aliases: ['Wagner Group']});
ENTITY (battle:Battle {name: 'Battle at Khusham', date: @2018-02-07});
ENTITY (khusham:Location {name: 'Khusham'});
CLAIM (battle)-[c1:CASUALTIES {killed: ~100, wounded: 65..200}]->(wagner) BY doctor REPORTED IN article QUOTE 'about 100';
CLAIM (battle)-[:CASUALTIES {killed: 5}]->(wagner) BY reuters IN article ON @-4months;
CLAIM (wagner)-[:PRESENT_IN {strength: >100}]->(khusham) BY reuters;
CLAIM (battle)-[:LOCATED_IN]->(khusham) BY reuters;
DENY (battle)-[:CASUALTIES {killed: >=10}]->(wagner) BY reuters QUOTE 'disinformation';
CONSTRAINT toll: SINGLE (:Battle)-[:CASUALTIES]->() ON killed;
";

fuzz_target!(|data: &[u8]| {
    let text = claimgraph_fuzz::text(data);
    let mut graph = claimgraph_fuzz::load("graph.kg", GRAPH).expect("the fuzz graph loads");
    let params = claimgraph::query::Params::new();
    let dog = claimgraph_fuzz::Watchdog::get(Duration::from_secs(1));
    let caller = claimgraph::query::Caller {
        memory_budget: claimgraph::query::MemoryBudget::new(256 << 20).expect("a budget"),
        ..Default::default()
    };
    let result =
        dog.guard(|cancel| claimgraph::query::execute_as(&caller, &mut graph, text, &params, cancel));
    if let Err(e) = result {
        assert_ne!(e.class, claimgraph::query::ErrorClass::InternalError, "{text:?}: {}", e.message);
    }
});
