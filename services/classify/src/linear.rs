//! The linear model: one weight per (hashed feature, category), softmax over
//! the seven categories.
//!
//! File format (`model/model.bin`), little endian: the magic `TVCM1\n`, a u32
//! header length and a JSON header (version, classes, scale, training
//! summary), then a u32 row count and rows of (u32 bucket, 7 × i16 weight).
//! Weights are quantized to i16 with one scale, and rows whose weights all
//! round to zero are left out, which keeps the file around a megabyte.

use serde::{Deserialize, Serialize};
use tvarit_proto::Category;

use crate::features::{BITS, BUCKETS, Feature};

pub const CLASSES: usize = 7;
/// The model's class order.
pub const CATEGORIES: [Category; CLASSES] = Category::ALL;
const MAGIC: &[u8] = b"TVCM1\n";

pub fn class_of(category: Category) -> usize {
    CATEGORIES.iter().position(|&c| c == category).unwrap_or(CLASSES - 1)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// e.g. `linear-v3`; recorded with every decision.
    pub version: String,
    pub bits: u32,
    pub classes: Vec<String>,
    pub scale: f32,
    /// What it was trained on and how it scored, for the record.
    #[serde(default)]
    pub training: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub header: Header,
    pub weights: Vec<[f32; CLASSES]>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("not a tvarit classifier model (bad magic)")]
    Magic,
    #[error("model file truncated")]
    Truncated,
    #[error("model header: {0}")]
    Header(#[from] serde_json::Error),
    #[error("model was built for {0} hash bits and {1} classes; this binary expects {BITS} and {CLASSES}")]
    Shape(u32, usize),
}

impl Model {
    pub fn zeros(version: &str) -> Self {
        let classes = CATEGORIES.iter().map(|c| c.slug().to_owned()).collect();
        Model {
            header: Header { version: version.into(), bits: BITS, classes, scale: 1.0, training: Default::default() },
            weights: vec![[0.0; CLASSES]; BUCKETS],
        }
    }

    /// Raw class scores (logits) for `features`.
    pub fn scores(&self, features: &[Feature]) -> [f32; CLASSES] {
        let mut s = [0.0f32; CLASSES];
        for f in features {
            let w = &self.weights[f.bucket as usize];
            for c in 0..CLASSES {
                s[c] += w[c] * f.value;
            }
        }
        s
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.weights.iter().flatten().fold(0.0f32, |m, w| m.max(w.abs())).max(1e-6);
        let scale = max / f32::from(i16::MAX);
        let mut header = self.header.clone();
        header.scale = scale;
        let json = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = Vec::with_capacity(1 << 20);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        let rows: Vec<(u32, [i16; CLASSES])> = self
            .weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.map(|x| (x / scale).round() as i16)))
            .filter(|(_, q)| q.iter().any(|&x| x != 0))
            .collect();
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for (bucket, q) in rows {
            out.extend_from_slice(&bucket.to_le_bytes());
            for x in q {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, ModelError> {
        let rest = b.strip_prefix(MAGIC).ok_or(ModelError::Magic)?;
        let mut r = Reader(rest);
        let len = r.u32()? as usize;
        let header: Header = serde_json::from_slice(r.take(len)?)?;
        if header.bits != BITS || header.classes.len() != CLASSES {
            return Err(ModelError::Shape(header.bits, header.classes.len()));
        }
        let mut weights = vec![[0.0; CLASSES]; BUCKETS];
        for _ in 0..r.u32()? {
            let bucket = r.u32()? as usize;
            let row = weights.get_mut(bucket).ok_or(ModelError::Truncated)?;
            for w in row.iter_mut() {
                *w = f32::from(r.i16()?) * header.scale;
            }
        }
        Ok(Model { header, weights })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        if self.0.len() < n {
            return Err(ModelError::Truncated);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| ModelError::Truncated)?))
    }

    fn i16(&mut self) -> Result<i16, ModelError> {
        Ok(i16::from_le_bytes(self.take(2)?.try_into().map_err(|_| ModelError::Truncated)?))
    }
}

/// Softmax in place; returns the arg max.
pub fn softmax(s: &mut [f32; CLASSES]) -> usize {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in s.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    let mut best = 0;
    for c in 0..CLASSES {
        s[c] /= sum;
        if s[c] > s[best] {
            best = c;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_weights_within_quantization() {
        let mut m = Model::zeros("linear-test");
        m.weights[7][2] = 1.5;
        m.weights[99][6] = -0.25;
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.header.version, "linear-test");
        assert!((back.weights[7][2] - 1.5).abs() < 1e-3);
        assert!((back.weights[99][6] + 0.25).abs() < 1e-3);
        assert!(matches!(Model::from_bytes(b"nope"), Err(ModelError::Magic)));
        assert!(Model::from_bytes(&m.to_bytes()[..20]).is_err());
    }
}
