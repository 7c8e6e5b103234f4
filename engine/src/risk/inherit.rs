//! Impact inheritance along asset dependencies (the maximum principle).
//!
//! An asset that others depend on (a server hosting an application, a supplier running a
//! service) needs at least the protection of the most demanding asset that depends on it, per
//! property: its effective confidentiality is the maximum of its own and that of every
//! dependent, and likewise for integrity and availability. This is the maximum principle of
//! BSI IT-Grundschutz protection-needs assessment; it never lowers a value, so it is safe
//! whatever the data. The loader has already refused dependency cycles, so the graph is a DAG.

use serde::Serialize;

use crate::model::{Asset, AssetIdx, Cia};

/// The effective protection need of an asset and, per property, the dependent asset it was
/// inherited from (`None` when the asset's own value is the highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Effective {
    pub cia: Cia,
    pub from: [Option<AssetIdx>; 3],
}

/// Effective values of every asset, by asset index.
pub fn effective_cia(assets: &[Asset]) -> Vec<Effective> {
    let n = assets.len();
    // dependents[x] = assets that depend on x; pending[x] = dependents not yet settled.
    let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, a) in assets.iter().enumerate() {
        for d in &a.depends_on {
            dependents[d.index()].push(i as u32);
        }
    }
    let mut pending: Vec<usize> = dependents.iter().map(Vec::len).collect();
    let mut out: Vec<Effective> = assets
        .iter()
        .map(|a| Effective {
            cia: a.cia,
            from: [None; 3],
        })
        .collect();
    // Kahn's algorithm from the assets nothing depends on down to the ones everything needs:
    // when an asset is taken from the queue its value is final and flows to its dependencies.
    let mut queue: Vec<usize> = (0..n).filter(|i| pending[*i] == 0).collect();
    let mut head = 0;
    while head < queue.len() {
        let x = queue[head];
        head += 1;
        let ex = out[x];
        for d in &assets[x].depends_on {
            let di = d.index();
            let target = &mut out[di];
            let pairs = [
                (&mut target.cia.confidentiality, ex.cia.confidentiality),
                (&mut target.cia.integrity, ex.cia.integrity),
                (&mut target.cia.availability, ex.cia.availability),
            ];
            for (k, (slot, value)) in pairs.into_iter().enumerate() {
                // Ties keep the first source so that the result does not depend on order.
                if value > *slot {
                    *slot = value;
                    target.from[k] = Some(AssetIdx(x as u32));
                }
            }
            pending[di] -= 1;
            if pending[di] == 0 {
                queue.push(di);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn asset(id: &str, c: u8, i: u8, a: u8, deps: &[u32]) -> Asset {
        Asset {
            id: id.into(),
            name: id.into(),
            kind: AssetKind::Hardware,
            subtype: None,
            owner: None,
            location: None,
            business_unit: None,
            classification: None,
            cia: Cia {
                confidentiality: c,
                integrity: i,
                availability: a,
            },
            status: AssetStatus::Active,
            tags: vec![],
            attributes: Default::default(),
            depends_on: deps.iter().map(|d| AssetIdx(*d)).collect(),
            origin: Origin {
                source: SourceIdx(0),
                line: 1,
            },
        }
    }

    #[test]
    fn protection_needs_flow_to_what_assets_depend_on() {
        // 0 site <- 1 server <- 2 app (5,4,2) ; 3 laptop (2,2,5) -> 0 site
        let assets = vec![
            asset("site", 1, 1, 1, &[]),
            asset("server", 2, 2, 3, &[0]),
            asset("app", 5, 4, 2, &[1]),
            asset("laptop", 2, 2, 5, &[0]),
        ];
        let e = effective_cia(&assets);
        assert_eq!(e[2].cia, assets[2].cia, "nothing depends on the app");
        assert_eq!(e[2].from, [None; 3]);
        assert_eq!(
            (
                e[1].cia.confidentiality,
                e[1].cia.integrity,
                e[1].cia.availability
            ),
            (5, 4, 3)
        );
        assert_eq!(e[1].from, [Some(AssetIdx(2)), Some(AssetIdx(2)), None]);
        // The site inherits C and I from the server (which got them from the app) and A from
        // the laptop.
        assert_eq!(
            (
                e[0].cia.confidentiality,
                e[0].cia.integrity,
                e[0].cia.availability
            ),
            (5, 4, 5)
        );
        assert_eq!(
            e[0].from,
            [Some(AssetIdx(1)), Some(AssetIdx(1)), Some(AssetIdx(3))]
        );
    }
}
