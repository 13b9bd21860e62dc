//! A row of variable bindings: a small vector of (name, value) pairs kept sorted by
//! name, so iteration order matches the `BTreeMap` it replaces. Names are shared
//! `Arc<str>`s, interned per thread, so copying a row never copies its names.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use super::value::Value;

thread_local! {
    static NAMES: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// The shared copy of a variable name.
pub(crate) fn intern(name: &str) -> Arc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name);
        names.insert(n.clone());
        n
    })
}

/// Anything a row can be keyed by.
pub(crate) trait IntoKey {
    fn into_key(self) -> Arc<str>;
}

impl IntoKey for Arc<str> {
    fn into_key(self) -> Arc<str> {
        self
    }
}

impl IntoKey for &Arc<str> {
    fn into_key(self) -> Arc<str> {
        self.clone()
    }
}

impl IntoKey for &str {
    fn into_key(self) -> Arc<str> {
        intern(self)
    }
}

impl IntoKey for String {
    fn into_key(self) -> Arc<str> {
        intern(&self)
    }
}

impl IntoKey for &String {
    fn into_key(self) -> Arc<str> {
        intern(self)
    }
}

/// Variable bindings, sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Row {
    entries: Vec<(Arc<str>, Value)>,
}

impl Row {
    pub(crate) fn new() -> Self {
        Row { entries: Vec::new() }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        // Rows hold a handful of variables: a linear scan beats a binary search.
        for (i, (k, _)) in self.entries.iter().enumerate() {
            match (**k).cmp(key) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Ok(i),
                std::cmp::Ordering::Greater => return Err(i),
            }
        }
        Err(self.entries.len())
    }

    /// Makes room for one more binding: a row starts with room for one (not `Vec`'s
    /// four) and doubles, since most rows hold one or two variables and there are many.
    fn grow(&mut self) {
        let len = self.entries.len();
        if len == self.entries.capacity() {
            self.entries.reserve_exact(len.max(1));
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self.find(key) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Binds `key` to `value`; returns the value it was bound to before, if any.
    pub(crate) fn insert(&mut self, key: impl IntoKey, value: Value) -> Option<Value> {
        let key = key.into_key();
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.grow();
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Value> {
        match self.find(key) {
            Ok(i) => Some(self.entries.remove(i).1),
            Err(_) => None,
        }
    }

    pub(crate) fn entry(&mut self, key: impl IntoKey) -> Entry<'_> {
        Entry { row: self, key: key.into_key() }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear()
    }

    pub(crate) fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &Arc<str>> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }
}

/// A place in a row, bound or not.
pub(crate) struct Entry<'a> {
    row: &'a mut Row,
    key: Arc<str>,
}

impl<'a> Entry<'a> {
    pub(crate) fn or_insert(self, value: Value) -> &'a mut Value {
        let i = match self.row.find(&self.key) {
            Ok(i) => i,
            Err(i) => {
                self.row.grow();
                self.row.entries.insert(i, (self.key, value));
                i
            }
        };
        &mut self.row.entries[i].1
    }
}

type Pair<'a> = &'a (Arc<str>, Value);
pub(crate) type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, (Arc<str>, Value)>, fn(Pair<'a>) -> (&'a Arc<str>, &'a Value)>;

impl<'a> IntoIterator for &'a Row {
    type Item = (&'a Arc<str>, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Row {
    type Item = (Arc<str>, Value);
    type IntoIter = std::vec::IntoIter<(Arc<str>, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: IntoKey> Extend<(K, Value)> for Row {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: IntoKey> FromIterator<(K, Value)> for Row {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut row = Row::new();
        row.extend(iter);
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_replaces() {
        let mut r = Row::new();
        assert_eq!(r.insert("b", Value::Int(1)), None);
        r.insert("a".to_string(), Value::Int(2));
        r.insert("c", Value::Int(3));
        assert_eq!(r.insert("b", Value::Int(4)), Some(Value::Int(1)));
        let keys: Vec<&str> = r.keys().map(|k| &**k).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(r.get("b"), Some(&Value::Int(4)));
        r.entry("a").or_insert(Value::Null);
        r.entry("d").or_insert(Value::Null);
        assert_eq!(r.get("a"), Some(&Value::Int(2)));
        assert_eq!(r.get("d"), Some(&Value::Null));
        assert_eq!(r.remove("a"), Some(Value::Int(2)));
        assert!(!r.contains_key("a"));
        assert_eq!(r.keys().count(), 3);
        assert!(Arc::ptr_eq(&intern("x"), &intern("x")));
    }
}
