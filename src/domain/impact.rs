//! Small-cell suppression for the public impact page (SPEC "Public impact page"). A
//! published table is a set of figures (cells and their totals) tied by equations
//! (`total = part + part + …`). A count from 1 to 10 is never shown; then more figures are
//! hidden until no hidden figure can be worked out from what is shown: not by subtracting
//! shown cells from a total, nor by any combination of the published equations (linear
//! algebra over the hidden figures). Pure: the read side fills the figures and shows
//! what this leaves visible.

use super::Money;

/// The smallest count shown: 1 to 10 are hidden ("fewer than 11"). Zero is shown: no
/// family is there to be recognised.
pub const MIN_SHOWN: u64 = 11;

/// One figure of a table: how many families, and the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub families: u64,
    pub amount: Money,
}

/// `total` is the sum of `parts` (indexes of figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Figures and the equations that tie them; `margin[i]` marks a total (a figure that is
/// some equation's `total`), so complements are taken among the cells first.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub figures: Vec<Figure>,
    pub equations: Vec<Equation>,
}

impl Grid {
    fn push(&mut self, figure: Figure) -> usize {
        self.figures.push(figure);
        self.figures.len() - 1
    }

    /// Adds a table of `rows × cols` cells (row-major) with each row's total, each column's
    /// total and the grand total; returns the index of its first cell, then its row totals,
    /// column totals and grand total, in that order.
    pub fn add_table(
        &mut self,
        rows: usize,
        cols: usize,
        cell: impl Fn(usize, usize) -> Figure,
    ) -> TableIndex {
        let first = self.figures.len();
        for r in 0..rows {
            for c in 0..cols {
                self.push(cell(r, c));
            }
        }
        let at = |r: usize, c: usize| first + r * cols + c;
        let sum = |figures: &[Figure], parts: &[usize]| Figure {
            families: parts.iter().map(|&i| figures[i].families).sum(),
            amount: Money::sum(parts.iter().map(|&i| figures[i].amount)).unwrap_or(Money::ZERO),
        };
        let mut row_totals = Vec::new();
        for r in 0..rows {
            let parts: Vec<usize> = (0..cols).map(|c| at(r, c)).collect();
            let total = self.push(sum(&self.figures, &parts));
            self.equations.push(Equation { total, parts });
            row_totals.push(total);
        }
        let mut col_totals = Vec::new();
        for c in 0..cols {
            let parts: Vec<usize> = (0..rows).map(|r| at(r, c)).collect();
            let total = self.push(sum(&self.figures, &parts));
            self.equations.push(Equation { total, parts });
            col_totals.push(total);
        }
        let grand = self.push(sum(&self.figures, &row_totals));
        self.equations.push(Equation {
            total: grand,
            parts: row_totals.clone(),
        });
        self.equations.push(Equation {
            total: grand,
            parts: col_totals.clone(),
        });
        TableIndex {
            first,
            cols,
            row_totals,
            col_totals,
            grand,
        }
    }

    fn is_total(&self, i: usize) -> bool {
        self.equations.iter().any(|e| e.total == i)
    }
}

/// Where a table's figures are in its grid.
#[derive(Debug, Clone)]
pub struct TableIndex {
    pub first: usize,
    pub cols: usize,
    pub row_totals: Vec<usize>,
    pub col_totals: Vec<usize>,
    pub grand: usize,
}

impl TableIndex {
    pub fn cell(&self, row: usize, col: usize) -> usize {
        self.first + row * self.cols + col
    }
}

/// Whether a count must never be shown.
pub fn small(families: u64) -> bool {
    (1..MIN_SHOWN).contains(&families)
}

/// The hidden figures that the published equations determine, given what is shown:
/// each equation becomes one over the hidden figures alone (shown values move to the other
/// side), and a hidden figure is determined when its column is a pivot of the reduced row
/// echelon form with no free column in its row.
pub fn determined(grid: &Grid, hidden: &[bool]) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..grid.figures.len()).filter(|&i| hidden[i]).collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let column = |figure: usize| unknowns.iter().position(|&u| u == figure);
    let mut rows: Vec<Vec<f64>> = grid
        .equations
        .iter()
        .map(|e| {
            let mut row = vec![0.0; unknowns.len()];
            if let Some(c) = column(e.total) {
                row[c] -= 1.0;
            }
            for &p in &e.parts {
                if let Some(c) = column(p) {
                    row[c] += 1.0;
                }
            }
            row
        })
        .filter(|row| row.iter().any(|v| *v != 0.0))
        .collect();
    // Reduced row echelon form (the coefficients stay small rationals; 1e-9 is zero).
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut r = 0;
    for c in 0..unknowns.len() {
        let Some(p) = (r..rows.len()).find(|&i| rows[i][c].abs() > 1e-9) else {
            continue;
        };
        rows.swap(r, p);
        let lead = rows[r][c];
        for v in rows[r].iter_mut() {
            *v /= lead;
        }
        for i in 0..rows.len() {
            if i != r && rows[i][c].abs() > 1e-9 {
                let factor = rows[i][c];
                let pivot_row = rows[r].clone();
                for (v, p) in rows[i].iter_mut().zip(pivot_row) {
                    *v -= factor * p;
                }
            }
        }
        pivots.push((r, c));
        r += 1;
        if r == rows.len() {
            break;
        }
    }
    let pivot_columns: Vec<usize> = pivots.iter().map(|&(_, c)| c).collect();
    pivots
        .into_iter()
        .filter(|&(row, _)| {
            (0..unknowns.len())
                .filter(|c| !pivot_columns.contains(c))
                .all(|free| rows[row][free].abs() <= 1e-9)
        })
        .map(|(_, c)| unknowns[c])
        .collect()
}

/// Which figures to hide: every count from 1 to 10, then, while any hidden figure can be
/// worked out, one more figure beside it (in an equation it is part of): a cell before a
/// total, the smallest count above zero first (a zero may be known to be zero, a month
/// still to come, so it hides nothing).
pub fn suppress(grid: &Grid) -> Vec<bool> {
    let mut hidden: Vec<bool> = grid.figures.iter().map(|f| small(f.families)).collect();
    loop {
        let Some(&open) = determined(grid, &hidden).first() else {
            return hidden;
        };
        let beside: Vec<usize> = grid
            .equations
            .iter()
            .filter(|e| e.total == open || e.parts.contains(&open))
            .flat_map(|e| e.parts.iter().copied().chain([e.total]))
            .filter(|&i| !hidden[i])
            .collect();
        let candidates = if beside.is_empty() {
            (0..grid.figures.len()).filter(|&i| !hidden[i]).collect()
        } else {
            beside
        };
        let pick = candidates.into_iter().min_by_key(|&i| {
            let families = grid.figures[i].families;
            (families == 0, grid.is_total(i), families, i)
        });
        match pick {
            Some(i) => hidden[i] = true,
            // Everything is hidden: nothing can be worked out.
            None => return hidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grid_of(rows: usize, cols: usize, counts: &[u64]) -> (Grid, TableIndex) {
        let mut grid = Grid::default();
        let index = grid.add_table(rows, cols, |r, c| Figure {
            families: counts[r * cols + c],
            amount: Money::from_cents(counts[r * cols + c] as i64 * 12_345),
        });
        (grid, index)
    }

    /// The attack by subtraction: any published equation with one hidden figure gives it
    /// away (total minus the shown parts, or a part as the total minus the others);
    /// repeated until nothing more comes out. Returns what it recovered.
    fn subtract(grid: &Grid, hidden: &[bool]) -> Vec<usize> {
        let mut known: Vec<bool> = hidden.iter().map(|h| !h).collect();
        let mut recovered = Vec::new();
        loop {
            let mut progress = false;
            for e in &grid.equations {
                let members: Vec<usize> = e.parts.iter().copied().chain([e.total]).collect();
                let unknown: Vec<usize> = members.iter().copied().filter(|&i| !known[i]).collect();
                if let [one] = unknown[..] {
                    known[one] = true;
                    recovered.push(one);
                    progress = true;
                }
            }
            if !progress {
                return recovered;
            }
        }
    }

    /// The attack by any combination of equations, done another way than `determined`: a
    /// hidden figure is given away when adding its unit row to the system does not raise
    /// the rank (exact integer elimination).
    fn recoverable(grid: &Grid, hidden: &[bool]) -> Vec<usize> {
        let unknowns: Vec<usize> = (0..grid.figures.len()).filter(|&i| hidden[i]).collect();
        let system: Vec<Vec<i128>> = grid
            .equations
            .iter()
            .map(|e| {
                unknowns
                    .iter()
                    .map(|&u| i128::from(e.parts.contains(&u)) - i128::from(e.total == u))
                    .collect()
            })
            .collect();
        let rank = |mut m: Vec<Vec<i128>>| -> usize {
            let (mut rank, width) = (0, unknowns.len());
            for c in 0..width {
                let Some(p) = (rank..m.len()).find(|&i| m[i][c] != 0) else {
                    continue;
                };
                m.swap(rank, p);
                for i in 0..m.len() {
                    if i != rank && m[i][c] != 0 {
                        let (a, b) = (m[rank][c], m[i][c]);
                        let pivot = m[rank].clone();
                        for (v, pv) in m[i].iter_mut().zip(pivot) {
                            *v = *v * a - pv * b;
                        }
                        let g = m[i].iter().fold(0i128, |g, v| gcd(g, v.abs()));
                        if g > 1 {
                            m[i].iter_mut().for_each(|v| *v /= g);
                        }
                    }
                }
                rank += 1;
            }
            rank
        };
        let base = rank(system.clone());
        unknowns
            .iter()
            .enumerate()
            .filter(|&(k, _)| {
                let mut with = system.clone();
                with.push((0..unknowns.len()).map(|j| i128::from(j == k)).collect());
                rank(with) == base
            })
            .map(|(_, &u)| u)
            .collect()
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    #[test]
    fn a_lone_small_cell_takes_a_neighbour_with_it() {
        // One site's January has 3 families; everything else is large.
        let counts = [3, 40, 25, 30, 50, 45];
        let (grid, index) = grid_of(2, 3, &counts);
        let hidden = suppress(&grid);
        assert!(hidden[index.cell(0, 0)]);
        let cells_hidden = (0..6).filter(|&i| hidden[index.first + i]).count();
        assert!(cells_hidden >= 4, "a 2×2 block at least: {hidden:?}");
        assert!(subtract(&grid, &hidden).is_empty());
        assert!(recoverable(&grid, &hidden).is_empty());
        assert!(determined(&grid, &hidden).is_empty());
        // Without suppression of the neighbour, subtraction gives the small cell away.
        let mut naive = vec![false; grid.figures.len()];
        naive[index.cell(0, 0)] = true;
        assert_eq!(subtract(&grid, &naive), [index.cell(0, 0)]);
        assert_eq!(determined(&grid, &naive), [index.cell(0, 0)]);
    }

    #[test]
    fn small_totals_are_hidden_too() {
        // A row of one site with 2 + 0 + 0: its total (2) is small as well.
        let counts = [2, 0, 0, 30, 50, 45, 20, 20, 20];
        let (grid, index) = grid_of(3, 3, &counts);
        let hidden = suppress(&grid);
        assert!(hidden[index.row_totals[0]]);
        assert!(recoverable(&grid, &hidden).is_empty());
        // Nothing small at all: nothing hidden, the zero shown as it is.
        let (grid, _) = grid_of(2, 2, &[0, 11, 12, 40]);
        assert!(suppress(&grid).iter().all(|h| !h));
    }

    fn table() -> impl Strategy<Value = (usize, usize, Vec<u64>)> {
        (1usize..=3, 1usize..=6).prop_flat_map(|(rows, cols)| {
            let count = prop_oneof![3 => Just(0u64), 4 => 1u64..=10, 4 => 11u64..=60];
            (
                Just(rows),
                Just(cols),
                prop::collection::vec(count, rows * cols),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// However the counts fall, every count from 1 to 10 is hidden, and no hidden
        /// figure (count or money) can be recovered from the published totals: not by
        /// subtraction, not by any combination of equations.
        #[test]
        fn no_hidden_figure_can_be_recovered((rows, cols, counts) in table()) {
            let (grid, _) = grid_of(rows, cols, &counts);
            let hidden = suppress(&grid);
            for (i, f) in grid.figures.iter().enumerate() {
                prop_assert!(!small(f.families) || hidden[i], "figure {} ({}) shown", i, f.families);
            }
            prop_assert!(subtract(&grid, &hidden).is_empty());
            prop_assert_eq!(recoverable(&grid, &hidden), Vec::<usize>::new());
        }
    }
}
