//! Training the linear model: multinomial logistic regression by stochastic
//! gradient descent, seeded, so the same data and seed give the same model
//! byte for byte.
//!
//! Classes are weighted inversely to their frequency (emergencies and
//! sensitive posts are rarer than complaints but matter more), examples carry
//! their own weight (third-party data counts less than the project's corpus,
//! operators' relabels more), and L2 decay is applied lazily to the rows an
//! example touches, which is what keeps a 2^18-row model cheap to train.

use crate::features::Feature;
use crate::linear::{CLASSES, Model, softmax};

pub struct Example {
    pub features: Vec<Feature>,
    pub class: usize,
    pub weight: f32,
}

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub seed: u64,
    pub epochs: usize,
    pub rate: f32,
    pub l2: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { seed: 42, epochs: 12, rate: 0.4, l2: 1e-5 }
    }
}

/// SplitMix64: tiny, seeded, and the same on every platform and version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

pub fn train(examples: &[Example], settings: Settings, version: &str) -> Model {
    let mut model = Model::zeros(version);
    let mut counts = [0.0f32; CLASSES];
    for e in examples {
        counts[e.class] += e.weight;
    }
    let total: f32 = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0.0).count().max(1) as f32;
    let class_weight: Vec<f32> =
        counts.iter().map(|&c| if c > 0.0 { (total / (present * c)).sqrt() } else { 0.0 }).collect();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Rng::new(settings.seed);
    // Step counter per row for lazy L2.
    let mut last = vec![0u32; model.weights.len()];
    let mut step = 0u32;
    for epoch in 0..settings.epochs {
        rng.shuffle(&mut order);
        let rate = settings.rate / (1.0 + epoch as f32 * 0.5);
        for &i in &order {
            step += 1;
            let e = &examples[i];
            for f in &e.features {
                let b = f.bucket as usize;
                let gap = step - last[b];
                if gap > 1 {
                    let decay = (1.0 - rate * settings.l2).powi(gap as i32 - 1);
                    model.weights[b].iter_mut().for_each(|w| *w *= decay);
                }
                last[b] = step;
            }
            let mut p = model.scores(&e.features);
            softmax(&mut p);
            let g = rate * e.weight * class_weight[e.class];
            for f in &e.features {
                let w = &mut model.weights[f.bucket as usize];
                for c in 0..CLASSES {
                    let target = if c == e.class { 1.0 } else { 0.0 };
                    w[c] -= g * (p[c] - target) * f.value + rate * settings.l2 * w[c];
                }
            }
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(bucket: u32, class: usize) -> Example {
        Example { features: vec![Feature { bucket, value: 1.0, token: 0 }], class, weight: 1.0 }
    }

    #[test]
    fn learns_separable_data_and_is_reproducible() {
        let data: Vec<Example> = (0..40).map(|i| ex(i % 2, (i % 2) as usize)).collect();
        let a = train(&data, Settings::default(), "t");
        let b = train(&data, Settings::default(), "t");
        assert_eq!(a.to_bytes(), b.to_bytes());
        let mut s = a.scores(&data[1].features);
        assert_eq!(softmax(&mut s), 1);
    }
}
