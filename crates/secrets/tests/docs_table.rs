//! docs/secrets.md's rules table lists every rule, and only rules that exist.

#[test]
fn the_rules_table_of_docs_secrets_md_lists_every_rule() {
    let docs = include_str!("../../../docs/secrets.md");
    let table = docs
        .split("### Rules")
        .nth(1)
        .expect("docs/secrets.md has a `### Rules` section");
    let documented: Vec<&str> = table
        .lines()
        .take_while(|line| line.starts_with('|') || line.trim().is_empty())
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|line| line.split('`').next())
        .collect();
    let ids: Vec<&str> = secrets::RULES.iter().map(|rule| rule.id).collect();
    assert_eq!(
        documented, ids,
        "the table lists the rules in priority order"
    );
}
