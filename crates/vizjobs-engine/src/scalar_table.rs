//! The scalar series of one run, by tag, with a cheap path for the usual tag order.
//!
//! Training loops log the same scalar tags in the same order at every step, so the tag after a
//! given tag is nearly always the one that followed it last time. Each series remembers its
//! successor; an incoming point is checked against that guess with one comparison of the tag
//! bytes, and only a wrong guess pays for hashing the tag. For a typical logdir this takes the
//! hash out of most scalar records, where it was the second cost after the checksums.
//!
//! Invariant: every tag in the table is valid UTF-8 (checked once, when the tag first appears).

use rustc_hash::FxHashMap;

use crate::series::{Point, ScalarSeries};

/// No successor known yet.
const NO_GUESS: u32 = u32::MAX;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Entry {
    tag: Box<str>,
    series: ScalarSeries,
    /// Index of the series that received the point after this one's last point.
    successor: u32,
}

/// Why a point was refused (and dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The tag is not UTF-8 (protobuf strings must be).
    TagNotUtf8,
    /// The run already has `u32::MAX` scalar tags.
    TooManyTags,
}

/// Every scalar series of a run; see the module docs. Saved (by the persistent cache) as its
/// entries and latest series; the lookup by tag is rebuilt on loading.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "SavedTable")]
pub struct ScalarTable {
    entries: Vec<Entry>,
    #[serde(skip)]
    by_tag: FxHashMap<Box<[u8]>, u32>,
    /// The series that received the latest point.
    latest: Option<u32>,
}

/// A [`ScalarTable`] as saved, before its lookup is rebuilt.
#[derive(serde::Deserialize)]
struct SavedTable {
    entries: Vec<Entry>,
    latest: Option<u32>,
}

impl TryFrom<SavedTable> for ScalarTable {
    type Error = String;

    /// Rebuilds the lookup, refusing what the table itself could never hold (a repeated tag, an
    /// index out of range), so damage that passed the checksum cannot break an invariant.
    fn try_from(saved: SavedTable) -> Result<Self, String> {
        let count = saved.entries.len();
        let in_range = |i: u32| (i as usize) < count;
        if saved.latest.is_some_and(|i| !in_range(i))
            || saved
                .entries
                .iter()
                .any(|e| e.successor != NO_GUESS && !in_range(e.successor))
        {
            return Err("a scalar series index out of range".to_owned());
        }
        let mut by_tag = FxHashMap::default();
        for (i, e) in saved.entries.iter().enumerate() {
            let index = u32::try_from(i).map_err(|_| "too many scalar tags".to_owned())?;
            if by_tag.insert(e.tag.as_bytes().into(), index).is_some() {
                return Err(format!("scalar tag {:?} twice", e.tag));
            }
        }
        Ok(ScalarTable {
            entries: saved.entries,
            by_tag,
            latest: saved.latest,
        })
    }
}

impl ScalarTable {
    /// Appends a point to the series of `tag`, creating the series on first sight.
    #[inline]
    pub fn push(&mut self, tag: &[u8], point: Point) -> Result<(), Refused> {
        let guess = self
            .latest
            .map_or(NO_GUESS, |i| self.entries[i as usize].successor);
        let index = match self.entries.get(guess as usize) {
            Some(e) if e.tag.as_bytes() == tag => guess,
            _ => self.find_or_insert(tag)?,
        };
        if let Some(prev) = self.latest {
            self.entries[prev as usize].successor = index;
        }
        self.latest = Some(index);
        self.entries[index as usize].series.push(point);
        Ok(())
    }

    #[cold]
    fn find_or_insert(&mut self, tag: &[u8]) -> Result<u32, Refused> {
        if let Some(&i) = self.by_tag.get(tag) {
            return Ok(i);
        }
        let tag = std::str::from_utf8(tag).map_err(|_| Refused::TagNotUtf8)?;
        // NO_GUESS stays out of the index range.
        let index = u32::try_from(self.entries.len())
            .ok()
            .filter(|&i| i != NO_GUESS)
            .ok_or(Refused::TooManyTags)?;
        self.entries.push(Entry {
            tag: tag.into(),
            series: ScalarSeries::new(),
            successor: NO_GUESS,
        });
        self.by_tag.insert(tag.as_bytes().into(), index);
        Ok(index)
    }

    pub fn get(&self, tag: &str) -> Option<&ScalarSeries> {
        let &i = self.by_tag.get(tag.as_bytes())?;
        Some(&self.entries[i as usize].series)
    }

    /// Every `(tag, series)`, in the order the tags first appeared.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ScalarSeries)> {
        self.entries.iter().map(|e| (&*e.tag, &e.series))
    }

    pub fn series_mut(&mut self) -> impl Iterator<Item = &mut ScalarSeries> {
        self.entries.iter_mut().map(|e| &mut e.series)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|e| 2 * e.tag.len() + e.series.heap_bytes() + 64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(step: i64) -> Point {
        Point {
            step,
            wall_time: step as f64,
            value: step as f32,
        }
    }

    fn steps(table: &ScalarTable, tag: &str) -> Vec<i64> {
        table
            .get(tag)
            .map(|s| s.all().iter().map(|p| p.step).collect())
            .unwrap_or_default()
    }

    #[test]
    fn points_land_in_their_series_whatever_the_order() {
        let mut t = ScalarTable::default();
        // A steady order, then a change of order, a tag that appears late, and a repeat.
        let plan: &[(&str, i64)] = &[
            ("loss", 0),
            ("acc", 0),
            ("loss", 1),
            ("acc", 1),
            ("acc", 2),
            ("loss", 2),
            ("lr", 2),
            ("loss", 3),
            ("loss", 4),
            ("acc", 3),
            ("lr", 3),
        ];
        for &(tag, step) in plan {
            t.push(tag.as_bytes(), pt(step)).expect("utf-8 tag");
        }
        assert_eq!(steps(&t, "loss"), [0, 1, 2, 3, 4]);
        assert_eq!(steps(&t, "acc"), [0, 1, 2, 3]);
        assert_eq!(steps(&t, "lr"), [2, 3]);
        let tags: Vec<&str> = t.iter().map(|(tag, _)| tag).collect();
        assert_eq!(tags, ["loss", "acc", "lr"]);
    }

    #[test]
    fn a_tag_that_is_not_utf8_is_refused_and_leaves_no_series() {
        let mut t = ScalarTable::default();
        t.push(b"ok", pt(0)).expect("utf-8 tag");
        assert_eq!(t.push(b"bad\xff", pt(1)), Err(Refused::TagNotUtf8));
        t.push(b"ok", pt(1)).expect("utf-8 tag");
        assert_eq!(t.len(), 1);
        assert_eq!(steps(&t, "ok"), [0, 1]);
    }

    #[test]
    fn agrees_with_a_plain_map_on_random_tag_sequences() {
        // xorshift, so the sequences are the same on every run.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let tags = ["a", "ab", "b", "loss", "loss/train", "", "lr", "acc"];
        for round in 0..50 {
            let mut table = ScalarTable::default();
            let mut want: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
            // Mostly a fixed cycle over a few tags (the guess's case), with random detours.
            let cycle: Vec<&str> = (0..1 + next(5)).map(|_| tags[next(8) as usize]).collect();
            for step in 0..400i64 {
                let tag = if next(4) == 0 {
                    tags[next(8) as usize]
                } else {
                    cycle[step as usize % cycle.len()]
                };
                table.push(tag.as_bytes(), pt(step)).expect("utf-8 tag");
                want.entry(tag).or_default().push(step);
            }
            assert_eq!(table.len(), want.len(), "round {round}");
            for (tag, steps_wanted) in &want {
                assert_eq!(
                    &steps(&table, tag),
                    steps_wanted,
                    "round {round}, tag {tag:?}"
                );
            }
        }
    }

    #[test]
    fn a_prefix_of_the_guessed_tag_is_not_taken_for_it() {
        let mut t = ScalarTable::default();
        for step in 0..3 {
            t.push(b"loss/train", pt(step)).expect("utf-8 tag");
            t.push(b"loss", pt(step)).expect("utf-8 tag");
        }
        // The guess after "loss/train" is "loss"; "loss/t" must not match it.
        t.push(b"loss/train", pt(3)).expect("utf-8 tag");
        t.push(b"loss/t", pt(3)).expect("utf-8 tag");
        assert_eq!(steps(&t, "loss"), [0, 1, 2]);
        assert_eq!(steps(&t, "loss/t"), [3]);
        assert_eq!(steps(&t, "loss/train"), [0, 1, 2, 3]);
    }
}
