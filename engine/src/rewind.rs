//! As-of semantics: a record dated after the evaluation date has not happened yet. An
//! evaluation `--as-of 2026-09-01` must not count an action completed on 2026-09-20 as done,
//! an acceptance signed later as given, or an audit, review or document review held later
//! as held, so that `diff` compares against a true "before".
//!
//! The workspace is rewound once, before evaluation, rather than every check comparing
//! dates: one place to get right, and every stage (risk, SoA, gaps, readiness, OSCAL) sees
//! the same past.

use chrono::NaiveDate;

use crate::model::ActionStatus;
use crate::workspace::Workspace;

/// What rewinding changed, for a note to the user: (kind, record id, the later date).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewound {
    pub records: Vec<(&'static str, String, NaiveDate)>,
}

impl Workspace {
    /// Makes every record dated after `as_of` read as not yet happened: done actions and
    /// corrective actions completed later are in progress; acceptances signed later,
    /// audits performed later, verifications, document reviews and departures recorded
    /// later are absent; management reviews held later are dropped. Idempotent.
    pub fn rewind(&mut self, as_of: NaiveDate) -> Rewound {
        let mut out = Rewound::default();
        let later = |d: Option<NaiveDate>| d.filter(|d| *d > as_of);
        // Clears a date after `as_of` and gives it back.
        let take_later = |d: &mut Option<NaiveDate>| later(*d).inspect(|_| *d = None);
        // What was done is not, yet: its status falls back to `to`.
        let undo = |status: &mut ActionStatus, to: ActionStatus| {
            if *status == ActionStatus::Done {
                *status = to;
            }
        };
        for a in &mut self.actions {
            if let Some(d) = take_later(&mut a.completed_on) {
                undo(&mut a.status, ActionStatus::InProgress);
                out.records
                    .push(("treatment action completed", a.id.clone(), d));
            }
        }
        for r in &mut self.risks {
            let Some(t) = r.treatment.as_mut() else {
                continue;
            };
            if let Some(d) = later(t.acceptance.as_ref().map(|a| a.on)) {
                t.acceptance = None;
                out.records.push(("risk acceptance", r.id.clone(), d));
            }
        }
        let cycle = &mut self.cycle;
        for a in &mut cycle.audits {
            if let Some(d) = take_later(&mut a.performed) {
                undo(&mut a.status, ActionStatus::Planned);
                out.records.push(("audit performed", a.id.clone(), d));
            }
        }
        for c in &mut cycle.corrective_actions {
            if let Some(d) = take_later(&mut c.completed_on) {
                undo(&mut c.status, ActionStatus::InProgress);
                out.records
                    .push(("corrective action completed", c.id.clone(), d));
            }
            if let Some(d) = take_later(&mut c.verified_on) {
                c.effective = None;
                out.records
                    .push(("corrective action verified", c.id.clone(), d));
            }
        }
        for r in cycle.reviews.iter().filter(|r| r.date > as_of) {
            out.records
                .push(("management review held", r.id.clone(), r.date));
        }
        cycle.reviews.retain(|r| r.date <= as_of);
        for d in &mut cycle.documents {
            if let Some(on) = take_later(&mut d.last_review) {
                out.records.push(("document reviewed", d.id.clone(), on));
            }
        }
        for p in &mut cycle.people {
            if let Some(d) = take_later(&mut p.left_on) {
                out.records.push(("person left", p.id.clone(), d));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::load::{Files, load_files};
    use crate::model::ActionStatus;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_action_completed_after_the_evaluation_date_is_not_done() {
        let files = Files::memory([
            (
                "isms.toml",
                "[workspace]\nprofile = \"profile.toml\"\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\ntreatment_plan = \"plan.csv\"\n",
            ),
            ("profile.toml", "name = \"T\"\n"),
            ("assets.csv", "id,name,type\nA1,Server,hardware\n"),
            (
                "risks.csv",
                "id,title,assets,likelihood,impact,treatment,accepted_by,accepted_on\nR1,Theft,A1,3,3,tolerate,CEO,2026-10-01\n",
            ),
            (
                "plan.csv",
                "id,title,risks,controls,status,completed_on\nACT-1,Lock,R1,A.7.2,done,2026-09-20\nACT-2,Log,R1,A.8.15,done,2026-08-01\n",
            ),
        ]);
        let mut ws = load_files(files).unwrap().workspace;
        let rewound = ws.rewind(date("2026-09-01"));
        assert_eq!(ws.actions[0].status, ActionStatus::InProgress);
        assert_eq!(ws.actions[0].completed_on, None);
        assert_eq!(
            ws.actions[1].status,
            ActionStatus::Done,
            "completed before: stays done"
        );
        assert!(ws.risks[0].treatment.as_ref().unwrap().acceptance.is_none());
        let ids: Vec<&str> = rewound.records.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(ids, ["ACT-1", "R1"]);
        assert!(
            ws.rewind(date("2026-09-01")).records.is_empty(),
            "idempotent"
        );
    }
}
