//! Near-duplicate free texts: finds "generic, copy-pasted" risk assessments, i.e. scenario
//! descriptions that are the same text with only the asset name changed.
//!
//! # Technique
//!
//! Every text is normalised (lowercased, split on non-alphanumeric characters) and turned into
//! the set of its word shingles (runs of `shingle_words` consecutive words), each hashed to 64
//! bits. Two texts are near-identical when the Jaccard similarity |A ∩ B| / |A ∪ B| of their
//! shingle sets reaches the threshold. Word shingles make the measure robust to small edits: a
//! changed word only affects the few shingles that contain it.
//!
//! Comparing all pairs costs O(n²) set intersections, which is hopeless for hundreds of
//! thousands of texts, so candidate pairs come from MinHash with locality-sensitive hashing
//! (Broder 1997, "On the resemblance and containment of documents"; Leskovec, Rajaraman and
//! Ullman, *Mining of Massive Datasets*, ch. 3), which is near linear in the total text length:
//!
//! - **MinHash.** For `k = bands × rows` fixed hash functions, a text's signature holds the
//!   smallest hash of its shingles under each function. Two signatures agree in a position with
//!   probability equal to the Jaccard similarity of the two sets.
//! - **LSH banding.** The signature is cut into `bands` bands of `rows` positions; texts whose
//!   band is identical share a bucket, and texts sharing a bucket in any band are a candidate
//!   pair. A pair of similarity `s` is a candidate with probability `1 − (1 − s^rows)^bands`:
//!   with the defaults (32 bands of 4 rows) a pair at 0.8 is missed with probability about
//!   5·10⁻⁸, while a pair at 0.3 meets with probability 0.23 and one at 0.1 with 0.003.
//! - **Verification.** Every candidate is checked with the exact Jaccard similarity of the two
//!   shingle sets, so LSH false positives never reach the result and the reported similarity is
//!   exact, not an estimate.
//!
//! The result is deterministic: the hash functions use fixed seeds, buckets come from sorting
//! (never from hash-map order), each candidate is verified once, in the first band that
//! generates it (a check of the earlier bands' keys, so no set of all candidates is kept), and
//! the result is sorted, so every run and every thread count gives the same output.
//!
//! # Bounded work
//!
//! Thousands of texts from one template (or identical boilerplate) fall into one bucket, and
//! expanding such a bucket into all its pairs would be quadratic in time, memory and output. A
//! bucket of more than [`MAX_BUCKET`] texts is therefore only expanded into the pairs between
//! each member and the bucket's first [`LEADERS`] texts (by index) of distinct groups. A band
//! thus generates fewer than `n × MAX_BUCKET / 2` candidates for `n` texts, so time, memory and
//! output stay linear in the number of texts. Every copy of boilerplate is still reported (with up to
//! [`LEADERS`] partners), but not every pair of copies, and which pairs are reported from such
//! a bucket depends on the input order. (The copy-paste gap joins pairs into clusters, so a
//! template's copies are found together either way; the bound is kept low, 64, so that the
//! work per text stops growing early.)
//!
//! # Caveat for short texts
//!
//! A changed word spoils every shingle that contains it. In a 17-word sentence, swapping a
//! two-word asset name changes 4 of 15 three-word shingles (Jaccard 11/19 ≈ 0.58), below the
//! default threshold. Callers comparing templated texts should replace the asset's name with a
//! placeholder first, which makes such copies identical (similarity 1).

use std::cmp::Ordering;

use rayon::prelude::*;

/// One text to compare; `group` is an opaque key: texts with the same group are related
/// (e.g. they concern the same or dependent assets) and are never reported as a pair.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    pub id: usize,
    pub text: &'a str,
    pub group: u64,
}

/// Two near-identical texts: indices into the input slice (first < second) and their Jaccard
/// similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearDuplicate {
    pub first: usize,
    pub second: usize,
    pub similarity: f64,
}

/// Tunables with sensible defaults (threshold 0.8, shingle size 3 words, 128 hashes in 32
/// bands of 4 rows).
///
/// Out-of-range values are clamped rather than rejected: a shingle size of 0 counts as 1, `rows`
/// and `bands` are at least 1, and `bands × rows` is at most [`MAX_HASHES`]. LSH only finds
/// pairs above roughly `(1 / bands)^(1 / rows)` reliably, so a threshold far below that (0.42
/// for the defaults) needs more bands or fewer rows.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Minimum Jaccard similarity of the shingle sets for a pair to be reported.
    pub threshold: f64,
    /// Words per shingle.
    pub shingle_words: usize,
    /// LSH bands: more bands find less similar pairs, at the cost of more candidates.
    pub bands: usize,
    /// Signature positions per band: more rows make a shared bucket stricter.
    pub rows: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: 0.8,
            shingle_words: 3,
            bands: 32,
            rows: 4,
        }
    }
}

/// Buckets with more texts than this are not expanded into all their pairs (see the module
/// documentation), which bounds the candidates per text and band.
pub const MAX_BUCKET: usize = 64;

/// Texts of distinct groups that every member of an oversized bucket is compared with.
pub const LEADERS: usize = 16;

/// Upper bound on `bands × rows`, so that absurd settings cannot exhaust memory.
pub const MAX_HASHES: usize = 1024;

/// All pairs of texts from different groups whose shingle-set Jaccard similarity is at least
/// the threshold, sorted by (first, second).
///
/// Deterministic: no randomness from the environment (fixed seeds for the hash functions),
/// identical result whatever the thread count. Texts with fewer words than the shingle size
/// use the whole (normalised) text as a single shingle. Empty/whitespace texts (and texts
/// without any alphanumeric character) are ignored.
///
/// Being LSH, the search can miss a pair close to the threshold with the small probability
/// given in the module documentation (always the same pairs, as the seeds are fixed); every
/// reported pair is verified exactly. Oversized buckets are expanded only partially.
pub fn near_duplicates(texts: &[Text<'_>], settings: Settings) -> Vec<NearDuplicate> {
    let shingle_words = settings.shingle_words.max(1);
    let rows = settings.rows.clamp(1, MAX_HASHES);
    let bands = settings.bands.clamp(1, MAX_HASHES / rows);
    let seeds: Vec<u64> = (0..bands * rows).map(minhash_seed).collect();

    let sets: Vec<Vec<u64>> = texts
        .par_iter()
        .map(|t| shingles(t.text, shingle_words))
        .collect();
    // Only the band keys are kept, not whole signatures: `bands` words per text, one text's
    // keys adjacent.
    let mut keys = vec![0; texts.len() * bands];
    keys.par_chunks_mut(bands)
        .zip(&sets)
        .for_each(|(out, set)| band_keys(set, &seeds, rows, out));
    let live: Vec<usize> = (0..texts.len()).filter(|&i| !sets[i].is_empty()).collect();

    // Every text's role in every band, so that a later band can tell whether an earlier one
    // already generated a pair: every pair is verified once, without a set of all candidates.
    let mut slots = vec![Slot::All; texts.len() * bands];
    let mut bucketed: Vec<(u64, usize)> = Vec::with_capacity(live.len());
    let mut found: Vec<NearDuplicate> = Vec::new();
    for band in 0..bands {
        bucketed.clear();
        bucketed.extend(live.iter().map(|&i| (keys[i * bands + band], i)));
        // (key, index) pairs are distinct, so the unstable sort is deterministic; members of
        // a bucket end up in index order.
        bucketed.par_sort_unstable();
        let buckets: Vec<Bucket<'_>> = bucketed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|members| members.len() > 1)
            .map(|members| Bucket::new(members, texts))
            .collect();
        for bucket in buckets.iter().filter(|b| b.oversized()) {
            for &(_, i) in bucket.members {
                slots[i * bands + band] = Slot::Member;
            }
            for &l in &bucket.leaders {
                slots[l * bands + band] = Slot::Leader;
            }
        }
        let generated_before = |i: usize, j: usize| {
            (0..band).any(|b| {
                let (x, y) = (i * bands + b, j * bands + b);
                keys[x] == keys[y] && (slots[x] != Slot::Member || slots[y] == Slot::Leader)
            })
        };
        found.par_extend(buckets.par_iter().flat_map_iter(|bucket| {
            bucket
                .pairs(texts)
                .into_iter()
                .filter(|&(i, j)| !generated_before(i, j))
                .filter_map(|(first, second)| {
                    let similarity = jaccard(&sets[first], &sets[second]);
                    (similarity >= settings.threshold).then_some(NearDuplicate {
                        first,
                        second,
                        similarity,
                    })
                })
        }));
    }
    found.sort_unstable_by_key(|d| (d.first, d.second));
    found
}

/// A text's role in one band's bucketing, which decides the pairs that band generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// In a bucket expanded into all its pairs (or alone).
    All,
    /// In an oversized bucket: paired with the leaders only.
    Member,
    /// One of an oversized bucket's leaders: paired with every member.
    Leader,
}

/// The texts sharing one band key, in index order.
struct Bucket<'b> {
    members: &'b [(u64, usize)],
    /// For an oversized bucket, its first members of distinct groups (at most [`LEADERS`]).
    leaders: Vec<usize>,
}

impl<'b> Bucket<'b> {
    fn new(members: &'b [(u64, usize)], texts: &[Text<'_>]) -> Self {
        let mut leaders = Vec::new();
        if members.len() > MAX_BUCKET {
            for &(_, i) in members {
                if leaders.len() == LEADERS {
                    break;
                }
                if leaders
                    .iter()
                    .all(|&l: &usize| texts[l].group != texts[i].group)
                {
                    leaders.push(i);
                }
            }
        }
        Self { members, leaders }
    }

    fn oversized(&self) -> bool {
        self.members.len() > MAX_BUCKET
    }

    /// The candidate pairs (first < second) of texts from different groups: all of them, or
    /// for an oversized bucket those with a leader, each once.
    fn pairs(&self, texts: &[Text<'_>]) -> Vec<(usize, usize)> {
        let differ = |i: usize, j: usize| texts[i].group != texts[j].group;
        let mut out = Vec::new();
        if self.oversized() {
            for &(_, i) in self.members {
                let is_leader = self.leaders.contains(&i);
                for &l in &self.leaders {
                    // Two leaders are paired once, when the later one is the member.
                    if differ(i, l) && !(is_leader && l > i) {
                        out.push((l.min(i), l.max(i)));
                    }
                }
            }
        } else {
            for (a, &(_, i)) in self.members.iter().enumerate() {
                for &(_, j) in &self.members[a + 1..] {
                    if differ(i, j) {
                        out.push((i, j));
                    }
                }
            }
        }
        out
    }
}

/// The sorted, deduplicated hashes of a text's word shingles; empty for a text without words.
fn shingles(text: &str, size: usize) -> Vec<u64> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut set: Vec<u64> = if words.is_empty() {
        Vec::new()
    } else if words.len() < size {
        vec![hash_words(&words)]
    } else {
        words.windows(size).map(hash_words).collect()
    };
    set.sort_unstable();
    set.dedup();
    set
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Shingle hash: 64-bit FNV-1a over the words' UTF-8 bytes, each word followed by 0xFF (a byte
/// that never occurs in UTF-8, so "ab c" and "a bc" differ), then the SplitMix64 finaliser,
/// because FNV's low bits are weak and MinHash needs well-spread values.
fn hash_words(words: &[&str]) -> u64 {
    let mut h = FNV_OFFSET;
    for word in words {
        for &byte in word.as_bytes().iter().chain(&[0xFF]) {
            h = (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
    }
    mix(h)
}

/// The SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seed of the `i`-th MinHash function `h_i(x) = mix(x ^ seed_i)`: the `i`-th output of a
/// SplitMix64 generator started at a fixed state, so signatures never depend on the run.
fn minhash_seed(i: usize) -> u64 {
    const START: u64 = 0x1509_2021_2700_1000;
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    mix(START.wrapping_add((i as u64).wrapping_add(1).wrapping_mul(GAMMA)))
}

/// Writes one LSH bucket key per band of the MinHash signature into `out` (left as is for an
/// empty set, which takes part in no bucket).
fn band_keys(set: &[u64], seeds: &[u64], rows: usize, out: &mut [u64]) {
    if set.is_empty() {
        return;
    }
    let mut signature = vec![u64::MAX; seeds.len()];
    for &x in set {
        for (min, &seed) in signature.iter_mut().zip(seeds) {
            *min = (*min).min(mix(x ^ seed));
        }
    }
    for (key, band) in out.iter_mut().zip(signature.chunks_exact(rows)) {
        *key = band.iter().fold(FNV_OFFSET, |h, &v| mix(h ^ v));
    }
}

/// Exact Jaccard similarity of two sorted, deduplicated sets (merge intersection).
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYROLL: &str = "If the Payroll database (software, confidential, HQ) is attacked while \
                           patches applied late, customer data is disclosed.";
    const CRM: &str = "If the CRM server (software, confidential, HQ) is attacked while patches \
                       applied late, customer data is disclosed.";

    fn text(text: &str, group: u64) -> Text<'_> {
        Text { id: 0, text, group }
    }

    fn pairs(found: &[NearDuplicate]) -> Vec<(usize, usize)> {
        found.iter().map(|d| (d.first, d.second)).collect()
    }

    /// A deterministic pseudo-random text of `len` words from a vocabulary of 5,000.
    fn random_text(state: &mut u64, len: usize) -> String {
        (0..len)
            .map(|_| {
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                format!("w{}", mix(*state) % 5_000)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn asset_name_swap_is_found() {
        // The raw sentences: 4 of their 15 shingles contain the asset name, so 11/19.
        let raw = [text(PAYROLL, 1), text(CRM, 2)];
        // Below 0.8, shorter bands keep LSH recall high: 1 − (1 − 0.58²)⁶⁴ ≈ 1 − 5·10⁻¹².
        let loose = Settings {
            threshold: 0.5,
            bands: 64,
            rows: 2,
            ..Settings::default()
        };
        assert_eq!(
            near_duplicates(&raw, loose),
            [NearDuplicate {
                first: 0,
                second: 1,
                similarity: 11.0 / 19.0
            }]
        );
        assert!(near_duplicates(&raw, Settings::default()).is_empty());

        // With the asset name replaced by a placeholder, the copies are identical.
        let (a, b) = (
            PAYROLL.replace("Payroll database", "ASSET"),
            CRM.replace("CRM server", "ASSET"),
        );
        let found = near_duplicates(&[text(&a, 1), text(&b, 2)], Settings::default());
        assert_eq!(pairs(&found), [(0, 1)]);
        assert_eq!(found[0].similarity, 1.0);

        // A longer description where only the asset name differs passes the default threshold.
        let tail = " is attacked while patches are applied late, an attacker can exploit known \
                    vulnerabilities to gain access, move laterally into the internal network \
                    and exfiltrate personal data of customers and employees, which leads to \
                    regulatory fines, notification duties and lasting damage to reputation.";
        let (a, b) = (
            format!("If the Payroll database{tail}"),
            format!("If the CRM server{tail}"),
        );
        let found = near_duplicates(&[text(&a, 1), text(&b, 2)], Settings::default());
        assert_eq!(pairs(&found), [(0, 1)]);
        assert!(found[0].similarity >= 0.8, "{found:?}");
    }

    #[test]
    fn unrelated_texts_are_not_reported() {
        let texts = [
            text(PAYROLL, 1),
            text(
                "Backups of the file server are not tested, so a restore may fail after \
                 ransomware encrypts the shares.",
                2,
            ),
            text(
                "Visitors are not escorted in the data centre and could plug devices into \
                 the core switches.",
                3,
            ),
        ];
        let anything = Settings {
            threshold: 0.0,
            ..Settings::default()
        };
        assert!(near_duplicates(&texts, anything).is_empty());
    }

    #[test]
    fn same_group_pairs_are_not_reported() {
        let texts = [text(PAYROLL, 7), text(PAYROLL, 7), text(PAYROLL, 8)];
        assert_eq!(
            pairs(&near_duplicates(&texts, Settings::default())),
            [(0, 2), (1, 2)]
        );
    }

    #[test]
    fn deterministic_and_independent_of_order_and_threads() {
        let mut state = 42;
        let mut owned: Vec<String> = (0..300).map(|_| random_text(&mut state, 12)).collect();
        for k in 0..20 {
            let copy = format!("{} extra", owned[k * 7]);
            owned.push(copy);
        }
        owned.push(owned[3].clone());
        let texts: Vec<Text<'_>> = owned.iter().zip(0..).map(|(t, g)| text(t, g)).collect();
        let settings = Settings::default();
        let base = near_duplicates(&texts, settings);
        assert_eq!(base.len(), 21);
        assert_eq!(near_duplicates(&texts, settings), base);
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            assert_eq!(pool.install(|| near_duplicates(&texts, settings)), base);
        }

        // A fixed permutation: position p holds original text order[p].
        let order: Vec<usize> = (0..texts.len())
            .map(|p| (p * 37 + 11) % texts.len())
            .collect();
        let mut sorted_order = order.clone();
        sorted_order.sort_unstable();
        assert_eq!(sorted_order, (0..texts.len()).collect::<Vec<_>>());
        let permuted: Vec<Text<'_>> = order.iter().map(|&i| texts[i]).collect();
        let mut mapped: Vec<NearDuplicate> = near_duplicates(&permuted, settings)
            .into_iter()
            .map(|d| {
                let (a, b) = (order[d.first], order[d.second]);
                NearDuplicate {
                    first: a.min(b),
                    second: a.max(b),
                    similarity: d.similarity,
                }
            })
            .collect();
        mapped.sort_by_key(|d| (d.first, d.second));
        assert_eq!(mapped, base);
    }

    #[test]
    fn matches_exhaustive_comparison() {
        // 40 families of 8 variants (the last one to three words replaced) plus 100 loners,
        // in 30 groups: many pairs share several bands, so each must still be reported once.
        let mut state = 9;
        let mut owned = Vec::new();
        for family in 0..40 {
            let base = random_text(&mut state, 20);
            for variant in 0..8 {
                let mut words: Vec<String> = base.split(' ').map(str::to_owned).collect();
                for (k, word) in words.iter_mut().rev().take(variant % 4).enumerate() {
                    *word = format!("v{family}x{variant}x{k}");
                }
                owned.push(words.join(" "));
            }
        }
        owned.extend((0..100).map(|_| random_text(&mut state, 20)));
        let texts: Vec<Text<'_>> = owned
            .iter()
            .enumerate()
            .map(|(i, t)| text(t, mix(i as u64) % 30))
            .collect();

        let settings = Settings::default();
        let sets: Vec<Vec<u64>> = owned.iter().map(|t| shingles(t, 3)).collect();
        let mut expected = Vec::new();
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                let similarity = jaccard(&sets[i], &sets[j]);
                if texts[i].group != texts[j].group && similarity >= settings.threshold {
                    expected.push(NearDuplicate {
                        first: i,
                        second: j,
                        similarity,
                    });
                }
            }
        }
        assert!(expected.len() > 300, "{}", expected.len());
        assert_eq!(near_duplicates(&texts, settings), expected);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(near_duplicates(&[], Settings::default()).is_empty());
        let huge = {
            let mut state = 7;
            random_text(&mut state, 50_000)
        };
        let texts = [
            text("", 1),
            text("   \n\t ", 2),
            text("--- !!! ...", 3),
            text("Server", 4),
            text("server.", 5),
            text("Überwachung des Serverraums", 6),
            text("ÜBERWACHUNG des serverraums!", 7),
            text("İstanbul ǅ ß 東京 🙂", 8),
            text(&huge, 9),
            text("", 10),
        ];
        // One-word and short texts are a single shingle: equal after normalisation.
        assert_eq!(
            pairs(&near_duplicates(&texts, Settings::default())),
            [(3, 4), (5, 6)]
        );
        let silly = Settings {
            threshold: f64::NAN,
            shingle_words: 0,
            bands: 0,
            rows: usize::MAX,
        };
        assert!(near_duplicates(&texts, silly).is_empty());
        let extreme = Settings {
            threshold: -1.0,
            shingle_words: usize::MAX,
            bands: usize::MAX,
            rows: 0,
        };
        assert_eq!(pairs(&near_duplicates(&texts, extreme)), [(3, 4), (5, 6)]);
    }

    #[test]
    fn oversized_buckets_stay_bounded_and_report_every_copy() {
        let n = 1_000;
        let texts: Vec<Text<'_>> = (0..n).map(|g| text(PAYROLL, g)).collect();
        let found = near_duplicates(&texts, Settings::default());
        // The 16 leaders pair among themselves and with each of the other 984 texts.
        assert_eq!(found.len(), 16 * 15 / 2 + (n as usize - LEADERS) * LEADERS);
        assert!(found.iter().all(|d| d.similarity == 1.0));
        let mut seen = vec![false; texts.len()];
        for d in &found {
            seen[d.first] = true;
            seen[d.second] = true;
        }
        assert!(seen.iter().all(|&s| s));

        // A bucket within the limit is expanded into all its pairs.
        let small: Vec<Text<'_>> = (0..50).map(|g| text(PAYROLL, g)).collect();
        assert_eq!(
            near_duplicates(&small, Settings::default()).len(),
            50 * 49 / 2
        );
    }

    #[test]
    fn finds_planted_pairs_among_twenty_thousand_texts() {
        let n = 20_000;
        let mut state = 2024;
        let mut owned: Vec<String> = (0..n).map(|_| random_text(&mut state, 25)).collect();
        let mut expected = Vec::new();
        for k in 0..50 {
            let (first, second) = (k * 400, k * 400 + 200 + k);
            // Same text with the last word changed: 22 of 24 distinct shingles shared.
            let mut words: Vec<&str> = owned[first].split(' ').collect();
            let fresh = format!("fresh{k}");
            *words.last_mut().expect("25 words") = &fresh;
            owned[second] = words.join(" ");
            expected.push((first, second));
        }
        let texts: Vec<Text<'_>> = owned.iter().zip(0..).map(|(t, g)| text(t, g)).collect();
        let found = near_duplicates(&texts, Settings::default());
        assert_eq!(pairs(&found), expected);
        assert!(found.iter().all(|d| d.similarity == 22.0 / 24.0));
    }
}
