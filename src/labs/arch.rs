//! The architecture calculator: layer descriptors (convolution, batch norm,
//! pooling, linear, embedding, layer norm, self-attention, residual add…)
//! that carry a shape through a network and count, per layer, the output
//! shape, the trainable parameters, the multiply-adds and the receptive
//! field. The `cnn` lab describes its own network with these descriptors
//! (and a test checks the count against the engine's `ParamStore`); the
//! well-known models below are built from them too and match their
//! published parameter totals exactly (tests).
//!
//! Conventions, as torchvision and the papers count:
//! - parameters are trainable values only (batch-norm running statistics are
//!   buffers, not parameters);
//! - multiply-adds (MACs) count the products of convolutions, linear layers
//!   and attention (`QKᵀ` and the weighted sum of `V`); normalisation,
//!   activations, pooling and residual additions count 0. torchvision's
//!   model table calls the same figure "GFLOPS" (VGG16 15.47, ResNet-50
//!   4.09); one multiply-add is two floating-point operations.
//! - shapes are per example, batch left out: `[C, H, W]` for images,
//!   `[L, d]` for a sequence of `L` tokens, `[F]` for a vector.

use serde::Serialize;

use super::{bi, Bi, Cell, LabContext, LabError, LabOutcome, RunLab, Table};
use crate::algos::algorithm::{
    choice, int, AlgoSpec, Algorithm, Implementation, ParamError, ParamSpec, ParamValues, Task,
};

/// A shape or size problem ("input 16×16 is too small: pool5 would be
/// 0×0").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ArchError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, ArchError> {
    Err(ArchError(m.into()))
}

/// One layer of a described network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerRow {
    /// Path-like name (`layer2.0.conv1`, `features.3`, `fc1`).
    pub name: String,
    /// What it is (`conv 3×3, 64→128, stride 2`).
    pub kind: String,
    /// The block it belongs to (`layer2.0`, `block 3`), for the collapsed
    /// view.
    pub block: String,
    /// Output shape per example.
    pub output: Vec<usize>,
    pub params: u64,
    pub macs: u64,
    /// Side of the input window one output position sees (image layers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receptive_field: Option<usize>,
}

/// Several consecutive layers of one block, summed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockRow {
    pub block: String,
    pub layers: usize,
    /// Output shape of the block's last layer.
    pub output: Vec<usize>,
    pub params: u64,
    pub macs: u64,
}

/// A described network: its input and its layers in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arch {
    pub model: String,
    pub input: Vec<usize>,
    pub layers: Vec<LayerRow>,
}

impl Arch {
    pub fn params(&self) -> u64 {
        self.layers.iter().map(|l| l.params).sum()
    }

    pub fn macs(&self) -> u64 {
        self.layers.iter().map(|l| l.macs).sum()
    }

    pub fn output(&self) -> &[usize] {
        self.layers
            .last()
            .map(|l| l.output.as_slice())
            .unwrap_or(&self.input)
    }

    /// Consecutive layers of the same block, summed.
    pub fn blocks(&self) -> Vec<BlockRow> {
        let mut out: Vec<BlockRow> = Vec::new();
        for l in &self.layers {
            match out.last_mut() {
                Some(b) if b.block == l.block => {
                    b.layers += 1;
                    b.output = l.output.clone();
                    b.params += l.params;
                    b.macs += l.macs;
                }
                _ => out.push(BlockRow {
                    block: l.block.clone(),
                    layers: 1,
                    output: l.output.clone(),
                    params: l.params,
                    macs: l.macs,
                }),
            }
        }
        out
    }
}

/// `64×56×56`.
pub fn shape_text(s: &[usize]) -> String {
    let v: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    v.join("×")
}

/// Where the builder is: the current shape and the receptive-field
/// bookkeeping (window side and the input distance between neighbouring
/// outputs). Saved and restored around the branches of a residual block.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub shape: Vec<usize>,
    rf: usize,
    jump: usize,
}

/// Builds an [`Arch`] layer by layer, checking every shape.
#[derive(Debug, Clone)]
pub struct Builder {
    arch: Arch,
    state: State,
    block: String,
}

fn out_size(n: usize, k: usize, stride: usize, pad: usize, what: &str) -> Result<usize, ArchError> {
    if stride == 0 || k == 0 {
        return err(format!("{what}: kernel and stride must be at least 1"));
    }
    if n + 2 * pad < k {
        return err(format!(
            "{what}: the input is {n} wide, smaller than the {k}-wide window (padding {pad}); use a larger input"
        ));
    }
    Ok((n + 2 * pad - k) / stride + 1)
}

impl Builder {
    pub fn new(model: &str, input: &[usize]) -> Builder {
        Builder {
            arch: Arch {
                model: model.to_string(),
                input: input.to_vec(),
                layers: Vec::new(),
            },
            state: State {
                shape: input.to_vec(),
                rf: 1,
                jump: 1,
            },
            block: String::new(),
        }
    }

    /// Following layers belong to `block`.
    pub fn block(&mut self, name: &str) -> &mut Builder {
        self.block = name.to_string();
        self
    }

    pub fn shape(&self) -> &[usize] {
        &self.state.shape
    }

    pub fn state(&self) -> State {
        self.state.clone()
    }

    pub fn set_state(&mut self, s: State) {
        self.state = s;
    }

    pub fn finish(self) -> Arch {
        self.arch
    }

    fn image(&self, what: &str) -> Result<(usize, usize, usize), ArchError> {
        match self.state.shape[..] {
            [c, h, w] => Ok((c, h, w)),
            _ => err(format!(
                "{what} needs an image [C, H, W], got [{}]",
                shape_text(&self.state.shape)
            )),
        }
    }

    fn push(&mut self, name: &str, kind: String, params: u64, macs: u64) {
        let rf = (self.state.shape.len() == 3).then_some(self.state.rf);
        self.arch.layers.push(LayerRow {
            name: name.to_string(),
            kind,
            block: self.block.clone(),
            output: self.state.shape.clone(),
            params,
            macs,
            receptive_field: rf,
        });
    }

    fn window(&mut self, k: usize, stride: usize) {
        self.state.rf += (k - 1) * self.state.jump;
        self.state.jump *= stride;
    }

    /// A `k×k` convolution to `out` channels.
    pub fn conv(
        &mut self,
        name: &str,
        out: usize,
        k: usize,
        stride: usize,
        pad: usize,
        bias: bool,
    ) -> Result<&mut Builder, ArchError> {
        let (c, h, w) = self.image(name)?;
        if out == 0 {
            return err(format!("{name}: needs at least 1 output channel"));
        }
        let (oh, ow) = (
            out_size(h, k, stride, pad, name)?,
            out_size(w, k, stride, pad, name)?,
        );
        let weights = (out * c * k * k) as u64;
        let params = weights + if bias { out as u64 } else { 0 };
        let macs = weights * (oh * ow) as u64;
        self.state.shape = vec![out, oh, ow];
        self.window(k, stride);
        let s = if stride > 1 {
            format!(", stride {stride}")
        } else {
            String::new()
        };
        self.push(name, format!("conv {k}×{k}, {c}→{out}{s}"), params, macs);
        Ok(self)
    }

    /// Batch norm over the channels of an image (or the features of a vector).
    pub fn batch_norm(&mut self, name: &str) -> Result<&mut Builder, ArchError> {
        let c = *self.state.shape.first().unwrap_or(&0);
        self.push(name, "batch norm".into(), 2 * c as u64, 0);
        Ok(self)
    }

    /// Layer norm over the last axis.
    pub fn layer_norm(&mut self, name: &str) -> Result<&mut Builder, ArchError> {
        let d = *self.state.shape.last().unwrap_or(&0);
        self.push(name, "layer norm".into(), 2 * d as u64, 0);
        Ok(self)
    }

    /// An element-wise activation (`ReLU`, `GELU`, `tanh`) or dropout: no
    /// parameters, shape unchanged.
    pub fn act(&mut self, name: &str, what: &str) -> &mut Builder {
        self.push(name, what.to_string(), 0, 0);
        self
    }

    /// `k×k` max-pooling.
    pub fn max_pool(
        &mut self,
        name: &str,
        k: usize,
        stride: usize,
        pad: usize,
    ) -> Result<&mut Builder, ArchError> {
        let (c, h, w) = self.image(name)?;
        let (oh, ow) = (
            out_size(h, k, stride, pad, name)?,
            out_size(w, k, stride, pad, name)?,
        );
        self.state.shape = vec![c, oh, ow];
        self.window(k, stride);
        self.push(name, format!("max-pool {k}×{k}, stride {stride}"), 0, 0);
        Ok(self)
    }

    /// Average pooling to a fixed `oh×ow` (torchvision's
    /// `AdaptiveAvgPool2d`; `1×1` is global average pooling).
    pub fn adaptive_avg_pool(
        &mut self,
        name: &str,
        oh: usize,
        ow: usize,
    ) -> Result<&mut Builder, ArchError> {
        let (c, h, w) = self.image(name)?;
        if h == 0 || w == 0 {
            return err(format!("{name}: empty input"));
        }
        // The window of the largest output cell (PyTorch's start/end rule).
        let (kh, kw) = (h.div_ceil(oh), w.div_ceil(ow));
        self.state.shape = vec![c, oh, ow];
        self.state.rf += (kh.max(kw) - 1) * self.state.jump;
        self.state.jump *= (h / oh).max(1);
        let what = if oh == 1 && ow == 1 {
            "global average pool".to_string()
        } else {
            format!("average pool to {oh}×{ow}")
        };
        self.push(name, what, 0, 0);
        Ok(self)
    }

    pub fn flatten(&mut self, name: &str) -> &mut Builder {
        let n: usize = self.state.shape.iter().product();
        self.state.shape = vec![n];
        self.push(name, "flatten".into(), 0, 0);
        self
    }

    /// A linear layer on the last axis (token by token for `[L, d]`).
    pub fn linear(
        &mut self,
        name: &str,
        out: usize,
        bias: bool,
    ) -> Result<&mut Builder, ArchError> {
        let Some(&n_in) = self.state.shape.last() else {
            return err(format!("{name}: no input"));
        };
        if self.state.shape.len() > 2 {
            return err(format!(
                "{name}: a linear layer needs a vector or a sequence, got [{}]; flatten first",
                shape_text(&self.state.shape)
            ));
        }
        let rows: usize = self.state.shape[..self.state.shape.len() - 1]
            .iter()
            .product();
        let weights = (n_in * out) as u64;
        let params = weights + if bias { out as u64 } else { 0 };
        let n = self.state.shape.len();
        self.state.shape[n - 1] = out;
        self.push(
            name,
            format!("linear {n_in}→{out}"),
            params,
            weights * rows as u64,
        );
        Ok(self)
    }

    /// An embedding table of `vocab` rows of size `dim`, looked up for each
    /// of the `L` positions of an `[L]` or `[L, dim]` input (summed with it).
    pub fn embedding(
        &mut self,
        name: &str,
        vocab: usize,
        dim: usize,
    ) -> Result<&mut Builder, ArchError> {
        let l = match self.state.shape[..] {
            [l] => l,
            [l, d] if d == dim => l,
            _ => {
                return err(format!(
                "{name}: an embedding of size {dim} needs token ids [L] or [L, {dim}], got [{}]",
                shape_text(&self.state.shape)
            ))
            }
        };
        self.state.shape = vec![l, dim];
        self.push(
            name,
            format!("embedding {vocab}×{dim}"),
            (vocab * dim) as u64,
            0,
        );
        Ok(self)
    }

    /// Multi-head self-attention on `[L, d]` with its four `d×d`
    /// projections (Q, K, V and the output), all with biases.
    pub fn self_attention(&mut self, name: &str, heads: usize) -> Result<&mut Builder, ArchError> {
        let (l, d) = match self.state.shape[..] {
            [l, d] => (l, d),
            _ => {
                return err(format!(
                    "{name}: self-attention needs a sequence [L, d], got [{}]",
                    shape_text(&self.state.shape)
                ))
            }
        };
        if heads == 0 || d % heads != 0 {
            return err(format!("{name}: {d} is not divisible by {heads} heads"));
        }
        let params = 4 * (d * d + d) as u64;
        // Projections 4·L·d², scores QKᵀ L·L·d, weighted sum of V L·L·d.
        let macs = 4 * (l * d * d) as u64 + 2 * (l * l * d) as u64;
        self.push(
            name,
            format!("self-attention, {heads} heads of {}", d / heads),
            params,
            macs,
        );
        Ok(self)
    }

    /// Adds a saved branch back (a residual connection): the shapes must
    /// agree.
    pub fn add(&mut self, name: &str, other: &State) -> Result<&mut Builder, ArchError> {
        if other.shape != self.state.shape {
            return err(format!(
                "{name}: cannot add [{}] to [{}]",
                shape_text(&other.shape),
                shape_text(&self.state.shape)
            ));
        }
        self.state.rf = self.state.rf.max(other.rf);
        self.push(name, "add (residual)".into(), 0, 0);
        Ok(self)
    }

    /// Keeps only the first position of a sequence (BERT's `[CLS]`).
    pub fn first_token(&mut self, name: &str) -> Result<&mut Builder, ArchError> {
        match self.state.shape[..] {
            [_, d] => {
                self.state.shape = vec![d];
                self.push(name, "first token".into(), 0, 0);
                Ok(self)
            }
            _ => err(format!("{name}: needs a sequence [L, d]")),
        }
    }
}

// ----- the models ------------------------------------------------------------

/// Every model `mlwb arch` knows, in the order it lists them.
pub const MODELS: &[&str] = &[
    "lenet5",
    "alexnet",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "vgg11-bn",
    "vgg13-bn",
    "vgg16-bn",
    "vgg19-bn",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "bert-base",
    "bert-large",
];

/// Parameter totals as published (torchvision's model table, the papers,
/// Hugging Face's checkpoints); the tests check each one.
pub const PUBLISHED: &[(&str, u64)] = &[
    ("lenet5", 61_706),
    ("alexnet", 61_100_840),
    ("vgg11", 132_863_336),
    ("vgg13", 133_047_848),
    ("vgg16", 138_357_544),
    ("vgg19", 143_667_240),
    ("vgg11-bn", 132_868_840),
    ("vgg13-bn", 133_053_736),
    ("vgg16-bn", 138_365_992),
    ("vgg19-bn", 143_678_248),
    ("resnet18", 11_689_512),
    ("resnet34", 21_797_672),
    ("resnet50", 25_557_032),
    ("resnet101", 44_549_160),
    ("resnet152", 60_192_808),
    ("bert-base", 109_482_240),
    ("bert-large", 335_141_888),
];

/// What kind of input a model takes.
pub fn takes_sequence(model: &str) -> bool {
    model.starts_with("bert")
}

/// Build `model` for an image of `image`×`image` pixels (vision models) or
/// a sequence of `seq_len` tokens (BERT).
pub fn model(name: &str, image: usize, seq_len: usize) -> Result<Arch, ArchError> {
    match name {
        "lenet5" => lenet5(image),
        "alexnet" => alexnet(image),
        "vgg11" => vgg(name, &VGG11, false, image),
        "vgg13" => vgg(name, &VGG13, false, image),
        "vgg16" => vgg(name, &VGG16, false, image),
        "vgg19" => vgg(name, &VGG19, false, image),
        "vgg11-bn" => vgg(name, &VGG11, true, image),
        "vgg13-bn" => vgg(name, &VGG13, true, image),
        "vgg16-bn" => vgg(name, &VGG16, true, image),
        "vgg19-bn" => vgg(name, &VGG19, true, image),
        "resnet18" => resnet(name, false, [2, 2, 2, 2], image),
        "resnet34" => resnet(name, false, [3, 4, 6, 3], image),
        "resnet50" => resnet(name, true, [3, 4, 6, 3], image),
        "resnet101" => resnet(name, true, [3, 4, 23, 3], image),
        "resnet152" => resnet(name, true, [3, 8, 36, 3], image),
        "bert-base" => bert(name, 12, 768, 12, 3072, seq_len),
        "bert-large" => bert(name, 24, 1024, 16, 4096, seq_len),
        other => err(format!(
            "no model `{other}`; the models are: {}",
            MODELS.join(", ")
        )),
    }
}

/// LeNet-5 as usually re-implemented (ReLU, max-pool; 32×32 grey input;
/// C5 as a 5×5 convolution to 120 channels).
fn lenet5(image: usize) -> Result<Arch, ArchError> {
    let mut b = Builder::new("lenet5", &[1, image, image]);
    b.block("C1")
        .conv("c1", 6, 5, 1, 0, true)?
        .act("relu1", "ReLU");
    b.block("S2").max_pool("s2", 2, 2, 0)?;
    b.block("C3")
        .conv("c3", 16, 5, 1, 0, true)?
        .act("relu3", "ReLU");
    b.block("S4").max_pool("s4", 2, 2, 0)?;
    b.block("C5")
        .conv("c5", 120, 5, 1, 0, true)?
        .act("relu5", "ReLU");
    b.block("F6")
        .flatten("flatten")
        .linear("f6", 84, true)?
        .act("relu6", "ReLU");
    b.block("output").linear("output", 10, true)?;
    Ok(b.finish())
}

/// torchvision's AlexNet (the one-GPU variant of the paper).
fn alexnet(image: usize) -> Result<Arch, ArchError> {
    let mut b = Builder::new("alexnet", &[3, image, image]);
    b.block("conv1")
        .conv("features.0", 64, 11, 4, 2, true)?
        .act("features.1", "ReLU")
        .max_pool("features.2", 3, 2, 0)?;
    b.block("conv2")
        .conv("features.3", 192, 5, 1, 2, true)?
        .act("features.4", "ReLU")
        .max_pool("features.5", 3, 2, 0)?;
    b.block("conv3")
        .conv("features.6", 384, 3, 1, 1, true)?
        .act("features.7", "ReLU");
    b.block("conv4")
        .conv("features.8", 256, 3, 1, 1, true)?
        .act("features.9", "ReLU");
    b.block("conv5")
        .conv("features.10", 256, 3, 1, 1, true)?
        .act("features.11", "ReLU")
        .max_pool("features.12", 3, 2, 0)?;
    b.block("avgpool").adaptive_avg_pool("avgpool", 6, 6)?;
    classifier(&mut b)?;
    Ok(b.finish())
}

/// Channels per conv, 0 = a 2×2 max-pool (torchvision's configurations).
const VGG11: [usize; 13] = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0];
const VGG13: [usize; 15] = [
    64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0,
];
const VGG16: [usize; 18] = [
    64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
];
const VGG19: [usize; 21] = [
    64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0,
];

/// The three fully connected layers of AlexNet and VGG.
fn classifier(b: &mut Builder) -> Result<(), ArchError> {
    b.block("fc1")
        .flatten("flatten")
        .act("classifier.0", "dropout")
        .linear("classifier.1", 4096, true)?
        .act("classifier.2", "ReLU");
    b.block("fc2")
        .act("classifier.3", "dropout")
        .linear("classifier.4", 4096, true)?
        .act("classifier.5", "ReLU");
    b.block("fc3").linear("classifier.6", 1000, true)?;
    Ok(())
}

fn vgg(name: &str, cfg: &[usize], bn: bool, image: usize) -> Result<Arch, ArchError> {
    let mut b = Builder::new(name, &[3, image, image]);
    let (mut stage, mut i) = (1, 0);
    for &c in cfg {
        b.block(&format!("block{stage}"));
        if c == 0 {
            b.max_pool(&format!("features.{i}"), 2, 2, 0)?;
            i += 1;
            stage += 1;
            continue;
        }
        b.conv(&format!("features.{i}"), c, 3, 1, 1, true)?;
        i += 1;
        if bn {
            b.batch_norm(&format!("features.{i}"))?;
            i += 1;
        }
        b.act(&format!("features.{i}"), "ReLU");
        i += 1;
    }
    b.block("avgpool").adaptive_avg_pool("avgpool", 7, 7)?;
    // torchvision's VGG has a different classifier order (Linear, ReLU,
    // Dropout); the counts are the same.
    b.block("fc1")
        .flatten("flatten")
        .linear("classifier.0", 4096, true)?
        .act("classifier.1", "ReLU")
        .act("classifier.2", "dropout");
    b.block("fc2")
        .linear("classifier.3", 4096, true)?
        .act("classifier.4", "ReLU")
        .act("classifier.5", "dropout");
    b.block("fc3").linear("classifier.6", 1000, true)?;
    Ok(b.finish())
}

/// torchvision's ResNet (v1.5: the stride of a bottleneck sits on its 3×3
/// convolution); convolutions without bias, each followed by batch norm.
fn resnet(
    name: &str,
    bottleneck: bool,
    depths: [usize; 4],
    image: usize,
) -> Result<Arch, ArchError> {
    let mut b = Builder::new(name, &[3, image, image]);
    b.block("stem")
        .conv("conv1", 64, 7, 2, 3, false)?
        .batch_norm("bn1")?
        .act("relu", "ReLU")
        .max_pool("maxpool", 3, 2, 1)?;
    let expansion = if bottleneck { 4 } else { 1 };
    let mut in_c = 64;
    for (stage, (&n, width)) in depths.iter().zip([64, 128, 256, 512]).enumerate() {
        for j in 0..n {
            let stride = if stage > 0 && j == 0 { 2 } else { 1 };
            let p = format!("layer{}.{j}", stage + 1);
            b.block(&p);
            let input = b.state();
            let out_c = width * expansion;
            if bottleneck {
                b.conv(&format!("{p}.conv1"), width, 1, 1, 0, false)?
                    .batch_norm(&format!("{p}.bn1"))?
                    .act(&format!("{p}.relu1"), "ReLU")
                    .conv(&format!("{p}.conv2"), width, 3, stride, 1, false)?
                    .batch_norm(&format!("{p}.bn2"))?
                    .act(&format!("{p}.relu2"), "ReLU")
                    .conv(&format!("{p}.conv3"), out_c, 1, 1, 0, false)?
                    .batch_norm(&format!("{p}.bn3"))?;
            } else {
                b.conv(&format!("{p}.conv1"), width, 3, stride, 1, false)?
                    .batch_norm(&format!("{p}.bn1"))?
                    .act(&format!("{p}.relu1"), "ReLU")
                    .conv(&format!("{p}.conv2"), width, 3, 1, 1, false)?
                    .batch_norm(&format!("{p}.bn2"))?;
            }
            let main = b.state();
            let shortcut = if stride != 1 || in_c != out_c {
                // Projection shortcut: 1×1 convolution and batch norm on the
                // block's input.
                b.set_state(input);
                b.conv(&format!("{p}.downsample.0"), out_c, 1, stride, 0, false)?
                    .batch_norm(&format!("{p}.downsample.1"))?;
                let s = b.state();
                b.set_state(main);
                s
            } else {
                input
            };
            b.add(&format!("{p}.add"), &shortcut)?
                .act(&format!("{p}.relu"), "ReLU");
            in_c = out_c;
        }
    }
    b.block("head")
        .adaptive_avg_pool("avgpool", 1, 1)?
        .flatten("flatten")
        .linear("fc", 1000, true)?;
    Ok(b.finish())
}

/// BERT (uncased WordPiece vocabulary of 30,522, 512 positions, 2 segment
/// types): embeddings, `layers` encoder layers (post-norm), and the pooler
/// (a `d×d` tanh layer on `[CLS]`). The pre-training heads (masked-LM
/// transform and next-sentence classifier) are not included, as in
/// Hugging Face's `BertModel`.
fn bert(
    name: &str,
    layers: usize,
    d: usize,
    heads: usize,
    ffn: usize,
    seq_len: usize,
) -> Result<Arch, ArchError> {
    if seq_len == 0 || seq_len > 512 {
        return err(format!(
            "BERT takes 1 to 512 tokens (its position table has 512 rows), got {seq_len}"
        ));
    }
    let mut b = Builder::new(name, &[seq_len]);
    b.block("embeddings")
        .embedding("embeddings.word", 30_522, d)?
        .embedding("embeddings.position", 512, d)?
        .embedding("embeddings.token_type", 2, d)?
        .layer_norm("embeddings.norm")?
        .act("embeddings.dropout", "dropout");
    for i in 0..layers {
        let p = format!("encoder.{i}");
        b.block(&p);
        let x = b.state();
        b.self_attention(&format!("{p}.attention"), heads)?
            .act(&format!("{p}.attention.dropout"), "dropout")
            .add(&format!("{p}.attention.add"), &x)?
            .layer_norm(&format!("{p}.attention.norm"))?;
        let y = b.state();
        b.linear(&format!("{p}.ffn.in"), ffn, true)?
            .act(&format!("{p}.ffn.gelu"), "GELU")
            .linear(&format!("{p}.ffn.out"), d, true)?
            .act(&format!("{p}.ffn.dropout"), "dropout")
            .add(&format!("{p}.ffn.add"), &y)?
            .layer_norm(&format!("{p}.ffn.norm"))?;
    }
    b.block("pooler")
        .first_token("pooler.cls")?
        .linear("pooler.dense", d, true)?
        .act("pooler.tanh", "tanh");
    Ok(b.finish())
}

// ----- the `arch` lab ---------------------------------------------------------

pub const MODEL: ParamSpec = choice("model", MODELS, "vgg16", "the network to describe");
pub const INPUT_SIZE: ParamSpec = int(
    "input_size",
    0,
    1024,
    "0",
    "image side in pixels (0 = the model's own: 224, or 32 for LeNet-5)",
);
pub const SEQ_LEN: ParamSpec = int("seq_len", 1, 512, "128", "tokens per sequence (BERT)");

pub struct ArchLab;

#[derive(Debug, Clone, PartialEq)]
pub struct ArchParams {
    pub model: &'static str,
    pub input_size: usize,
    pub seq_len: usize,
}

impl Algorithm for ArchLab {
    const SPEC: AlgoSpec = AlgoSpec {
        name: "arch",
        title: "Architecture calculator (lab): shapes, parameters, multiply-adds",
        task: Task::Lab,
        implementation: Implementation::Own,
        why: "counts from layer descriptors (labs::arch), checked against published totals",
        topics: &["vgg16", "resnet", "classic-models", "bert-details"],
        params: &[MODEL, INPUT_SIZE, SEQ_LEN],
    };
    type Params = ArchParams;

    fn params(v: &ParamValues) -> Result<ArchParams, ParamError> {
        Ok(ArchParams {
            model: v.choice(&MODEL)?,
            input_size: v.usize(&INPUT_SIZE)?,
            seq_len: v.usize(&SEQ_LEN)?,
        })
    }
}

/// The image side a model is usually given.
pub fn standard_input(model: &str) -> usize {
    if model == "lenet5" {
        32
    } else {
        224
    }
}

/// More rows than this and the lab shows one row per block.
const MAX_TABLE_ROWS: usize = 45;

impl ArchParams {
    pub fn describe(&self) -> Result<Arch, ArchError> {
        let image = match self.input_size {
            0 => standard_input(self.model),
            n => n,
        };
        model(self.model, image, self.seq_len)
    }
}

impl RunLab for ArchParams {
    fn run(&self, ctx: &mut LabContext<'_>) -> Result<LabOutcome, LabError> {
        ctx.check()?;
        let a = self.describe().map_err(|e| LabError::setup(e.0))?;
        let mut o = LabOutcome {
            done: 1,
            total: 1,
            dataset: format!("{} on input [{}]", a.model, shape_text(&a.input)),
            ..Default::default()
        };
        let (params, macs) = (a.params(), a.macs());
        o.figure("parameters", bi("parameters", "参数量"), params as f64, "");
        o.figure(
            "macs",
            bi("multiply-adds per example", "每个样本的乘加次数"),
            macs as f64,
            "",
        );
        let weighted = a.layers.iter().filter(|l| l.params > 0).count();
        o.figure(
            "layers_with_weights",
            bi("layers with parameters", "带参数的层数"),
            weighted as f64,
            "",
        );
        if let Some(&(_, p)) = PUBLISHED.iter().find(|(m, _)| *m == a.model) {
            o.figure(
                "published_parameters",
                bi("published parameter count", "公开的参数量"),
                p as f64,
                "",
            );
        }
        if a.layers.len() > MAX_TABLE_ROWS {
            let mut rows: Vec<Vec<Cell>> = a
                .blocks()
                .iter()
                .map(|b| {
                    vec![
                        Cell::from(b.block.as_str()),
                        Cell::from(b.layers),
                        Cell::from(shape_text(&b.output)),
                        Cell::from(b.params as i64),
                        Cell::from(b.macs as i64),
                    ]
                })
                .collect();
            rows.push(vec![
                Cell::from("total"),
                Cell::from(a.layers.len()),
                Cell::from(shape_text(a.output())),
                Cell::from(params as i64),
                Cell::from(macs as i64),
            ]);
            o.tables.push(Table {
                key: "blocks".into(),
                title: bi(
                    format!(
                        "{}: one row per block ({} layers; `mlwb arch {}` lists every layer)",
                        a.model,
                        a.layers.len(),
                        a.model
                    ),
                    format!(
                        "{}：每个块一行（共 {} 层；`mlwb arch {}` 列出每一层）",
                        a.model,
                        a.layers.len(),
                        a.model
                    ),
                ),
                columns: ["block", "layers", "output", "parameters", "mult-adds"]
                    .map(String::from)
                    .to_vec(),
                rows,
            });
        } else {
            o.tables.push(layer_table(
                &a,
                "layers",
                bi(a.model.clone(), a.model.clone()),
            ));
        }
        let blocks = a.blocks();
        let chart = o.chart_mut(
            "per_block",
            bi(
                "Parameters and multiply-adds per block (millions)",
                "每个块的参数量和乘加次数（百万）",
            ),
            "block",
            "millions",
        );
        chart.log_y = true;
        for (i, b) in blocks.iter().enumerate() {
            let x = (i + 1) as f64;
            // Log scale: blocks without weights are left out of a series.
            if b.params > 0 {
                chart.push("parameters", x, b.params as f64 / 1e6);
            }
            if b.macs > 0 {
                chart.push("mult-adds", x, b.macs as f64 / 1e6);
            }
        }
        notices(&mut o, &a);
        Ok(o)
    }
}

/// The layer table of a described network, one row per layer and a total.
pub fn layer_table(a: &Arch, key: &str, title: Bi) -> Table {
    let mut rows: Vec<Vec<Cell>> = a
        .layers
        .iter()
        .map(|l| {
            vec![
                Cell::from(l.name.as_str()),
                Cell::from(l.kind.as_str()),
                Cell::from(shape_text(&l.output)),
                Cell::from(l.params as i64),
                Cell::from(l.macs as i64),
                l.receptive_field
                    .map(|r| Cell::from(format!("{r}×{r}")))
                    .unwrap_or_else(|| Cell::from("")),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::from("total"),
        Cell::from(""),
        Cell::from(shape_text(a.output())),
        Cell::from(a.params() as i64),
        Cell::from(a.macs() as i64),
        Cell::from(""),
    ]);
    Table {
        key: key.to_string(),
        title,
        columns: [
            "layer",
            "type",
            "output",
            "parameters",
            "mult-adds",
            "receptive field",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn pct(x: u64, of: u64) -> f64 {
    100.0 * x as f64 / of.max(1) as f64
}

/// "What to notice", computed from the description.
fn notices(o: &mut LabOutcome, a: &Arch) {
    let (params, macs) = (a.params(), a.macs());
    let sum = |f: &dyn Fn(&LayerRow) -> bool, what: fn(&LayerRow) -> u64| -> u64 {
        a.layers.iter().filter(|l| f(l)).map(what).sum()
    };
    let is_conv = |l: &LayerRow| l.kind.starts_with("conv");
    let is_linear = |l: &LayerRow| l.kind.starts_with("linear");
    let name = a.model.as_str();
    if name.starts_with("vgg") || name == "alexnet" {
        let first_fc = a.layers.iter().find(|l| is_linear(l));
        if let Some(fc) = first_fc {
            let share = pct(fc.params, params);
            o.notice(
                bi(
                    format!("The first fully connected layer ({}, {}) alone holds {} of the {params} parameters ({share:.1}%): it connects every value of the last [{}] feature map to every unit.", fc.name, fc.kind, fc.params, shape_text(a.layers.iter().rev().find(|l| l.kind.starts_with("average pool") || l.kind.starts_with("max-pool")).map(|l| l.output.as_slice()).unwrap_or(&[]))),
                    format!("第一个全连接层（{}，{}）一层就有 {} 个参数，占全部 {params} 个的 {share:.1}%：它把最后一张特征图的每个值都连到每个单元上。", fc.name, fc.kind, fc.params),
                ),
                Some("vgg16"),
            );
        }
        let conv_macs = sum(&is_conv, |l| l.macs);
        let conv_params = sum(&is_conv, |l| l.params);
        o.notice(
            bi(
                format!("The convolutions hold {:.1}% of the parameters but do {:.1}% of the {:.2} billion multiply-adds: a conv's weights do not depend on the image size, its work grows with every output position.", pct(conv_params, params), pct(conv_macs, macs), macs as f64 / 1e9),
                format!("卷积层只占 {:.1}% 的参数，却承担了 {:.2} 十亿次乘加中的 {:.1}%：卷积的权重数与图像尺寸无关，计算量却随输出位置的数目增长。", pct(conv_params, params), macs as f64 / 1e9, pct(conv_macs, macs)),
            ),
            Some("vgg16"),
        );
    }
    if name.starts_with("resnet") {
        let fc = sum(&is_linear, |l| l.params);
        let shortcut = sum(&|l: &LayerRow| l.name.contains("downsample"), |l| l.params);
        let adds = a
            .layers
            .iter()
            .filter(|l| l.kind.starts_with("add"))
            .count();
        o.notice(
            bi(
                format!("{adds} residual additions cost no parameters; only the {} projection shortcuts (1×1 conv + BN where the shape changes) add {shortcut} ({:.1}%). The single fc layer after global average pooling holds {:.1}%, against VGG16's 89% in its three FC layers.", a.layers.iter().filter(|l| l.name.ends_with("downsample.0")).count(), pct(shortcut, params), pct(fc, params)),
                format!("{adds} 次残差相加不需要任何参数；只有在形状改变处的 {} 个投影捷径（1×1 卷积 + BN）增加了 {shortcut} 个参数（{:.1}%）。全局平均池化之后唯一的全连接层占 {:.1}%，而 VGG16 的三个全连接层占了 89%。", a.layers.iter().filter(|l| l.name.ends_with("downsample.0")).count(), pct(shortcut, params), pct(fc, params)),
            ),
            Some("resnet"),
        );
        let bottleneck = a.layers.iter().any(|l| l.name.ends_with(".conv3"));
        if bottleneck {
            o.notice(
                bi(
                    format!("Bottleneck blocks: a 1×1 conv shrinks the channels 4×, the 3×3 conv works on the narrow tensor, a 1×1 conv widens it again. So {name} is deep yet does only {:.2} billion multiply-adds per 224×224 image.", macs as f64 / 1e9),
                    format!("瓶颈块：先用 1×1 卷积把通道数压缩到四分之一，3×3 卷积在窄的张量上计算，再用 1×1 卷积恢复通道数。所以 {name} 虽然很深，每张 224×224 图片也只需 {:.2} 十亿次乘加。", macs as f64 / 1e9),
                ),
                Some("resnet"),
            );
        }
    }
    if name.starts_with("bert") {
        let emb = sum(&|l: &LayerRow| l.block == "embeddings", |l| l.params);
        let attn = sum(&|l: &LayerRow| l.kind.starts_with("self-attention"), |l| {
            l.params
        });
        let ffn = sum(
            &|l: &LayerRow| l.name.contains(".ffn.") && is_linear(l),
            |l| l.params,
        );
        let attn_macs = sum(&|l: &LayerRow| l.kind.starts_with("self-attention"), |l| {
            l.macs
        });
        let seq = a.input.first().copied().unwrap_or(0);
        o.notice(
            bi(
                format!("Of {params} parameters, the embeddings hold {emb} ({:.1}%; the 30,522-word table most of it), the attention projections {attn} ({:.1}%) and the feed-forward layers {ffn} ({:.1}%): each layer's FFN is twice its attention.", pct(emb, params), pct(attn, params), pct(ffn, params)),
                format!("在 {params} 个参数中，嵌入层占 {emb} 个（{:.1}%，大部分是 30,522 个词的词表），注意力的投影矩阵占 {attn} 个（{:.1}%），前馈层占 {ffn} 个（{:.1}%）：每层前馈网络的参数是注意力部分的两倍。", pct(emb, params), pct(attn, params), pct(ffn, params)),
            ),
            Some("bert-details"),
        );
        o.notice(
            bi(
                format!("At {seq} tokens attention does {:.1}% of the {:.2} billion multiply-adds; its QKᵀ and weighted sum grow with the square of the length, the rest linearly (try seq_len=512).", pct(attn_macs, macs), macs as f64 / 1e9),
                format!("序列长度为 {seq} 时，注意力承担了 {:.2} 十亿次乘加中的 {:.1}%；其中 QKᵀ 和加权求和随长度平方增长，其余部分随长度线性增长（试试 seq_len=512）。", macs as f64 / 1e9, pct(attn_macs, macs)),
            ),
            Some("bert-details"),
        );
    }
    if let Some(&(_, p)) = PUBLISHED.iter().find(|(m, _)| *m == name) {
        let same = p == params;
        o.notice(
            bi(
                if same {
                    format!("{params} parameters, exactly the published count for {name}: every number here is summed from the layers above.")
                } else {
                    format!("{params} parameters at this input size; the published count for {name} is {p} (at its standard input).")
                },
                if same {
                    format!("{params} 个参数，与 {name} 公开的参数量完全一致：这里的每个数都是由上面各层逐层加起来的。")
                } else {
                    format!("在这个输入尺寸下有 {params} 个参数；{name} 公开的参数量是 {p}（在标准输入尺寸下）。")
                },
            ),
            Some("classic-models"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_total_is_matched_exactly() {
        assert_eq!(PUBLISHED.len(), MODELS.len());
        for &(name, total) in PUBLISHED {
            let a = model(name, if name == "lenet5" { 32 } else { 224 }, 128).unwrap();
            assert_eq!(a.params(), total, "{name}");
        }
    }

    /// torchvision's table lists these as "GFLOPS" (multiply-adds of
    /// convolutions and linear layers, in billions, two decimals).
    #[test]
    fn multiply_adds_match_torchvision_at_224() {
        for (name, g) in [
            ("alexnet", 0.71),
            ("vgg11", 7.61),
            ("vgg16", 15.47),
            ("vgg19", 19.63),
            ("resnet18", 1.81),
            ("resnet34", 3.66),
            ("resnet50", 4.09),
            ("resnet101", 7.80),
            ("resnet152", 11.51),
        ] {
            let m = model(name, 224, 0).unwrap().macs() as f64 / 1e9;
            assert!((m - g).abs() < 0.006, "{name}: {m:.4} G vs {g}");
        }
    }

    #[test]
    fn shapes_and_receptive_fields_follow_the_arithmetic() {
        let a = model("vgg16", 224, 0).unwrap();
        let last_pool = a
            .layers
            .iter()
            .rev()
            .find(|l| l.kind.starts_with("max-pool"))
            .unwrap();
        assert_eq!(last_pool.output, vec![512, 7, 7]);
        // VGG16's last conv sees 196×196 pixels, its last pool 212×212.
        assert_eq!(last_pool.receptive_field, Some(212));
        assert_eq!(a.output(), &[1000]);
        // Two stacked 3×3 convolutions see 5×5.
        assert_eq!(a.layers[2].receptive_field, Some(5));
        let r = model("resnet50", 224, 0).unwrap();
        let stem = r.layers.iter().find(|l| l.name == "maxpool").unwrap();
        assert_eq!(stem.output, vec![64, 56, 56]);
        assert_eq!(r.blocks().len(), 1 + 16 + 1);
        let bert = model("bert-base", 0, 128).unwrap();
        assert_eq!(bert.output(), &[768]);
    }

    #[test]
    fn bert_counts_add_up_as_the_note_derives() {
        let a = model("bert-base", 0, 128).unwrap();
        let emb: u64 = a
            .layers
            .iter()
            .filter(|l| l.block == "embeddings")
            .map(|l| l.params)
            .sum();
        assert_eq!(emb, (30_522 + 512 + 2) * 768 + 2 * 768);
        let layer: u64 = a
            .layers
            .iter()
            .filter(|l| l.block == "encoder.0")
            .map(|l| l.params)
            .sum();
        assert_eq!(layer, 7_087_872);
        // Parameters do not depend on the sequence length; MACs do.
        let b = model("bert-base", 0, 512).unwrap();
        assert_eq!(a.params(), b.params());
        assert!(b.macs() > 4 * a.macs());
    }

    #[test]
    fn impossible_inputs_are_refused_with_a_reason() {
        let e = model("vgg16", 16, 0).unwrap_err().to_string();
        assert!(e.contains("smaller than the 2-wide window"), "{e}");
        assert!(model("bert-base", 0, 513)
            .unwrap_err()
            .to_string()
            .contains("512"));
        assert!(model("vgg99", 224, 0)
            .unwrap_err()
            .to_string()
            .contains("vgg16"));
        let mut b = Builder::new("x", &[4]);
        assert!(b.conv("c", 2, 3, 1, 1, true).is_err());
        let mut b = Builder::new("x", &[3, 8, 8]);
        assert!(b
            .linear("l", 2, true)
            .unwrap_err()
            .to_string()
            .contains("flatten"));
        let s = b.state();
        b.conv("c", 5, 3, 1, 1, true).unwrap();
        assert!(b.add("a", &s).is_err());
    }

    fn lab(model: &str, extra: &[(&str, &str)]) -> Result<LabOutcome, LabError> {
        let mut given = vec![("model".to_string(), model.to_string())];
        given.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let p = ArchLab::params(&ArchLab::SPEC.values(&given).unwrap()).unwrap();
        let flag = std::sync::atomic::AtomicBool::new(false);
        let mut sink = |_: &LabOutcome| {};
        let mut ctx = LabContext::new(0, None, &mut sink, &flag);
        p.run(&mut ctx)
    }

    #[test]
    fn the_lab_shows_layers_or_blocks_totals_and_computed_notices() {
        let o = lab("vgg16", &[]).unwrap();
        assert_eq!(o.find_figure("parameters"), Some(138_357_544.0));
        assert_eq!(o.find_figure("published_parameters"), Some(138_357_544.0));
        let t = &o.tables[0];
        assert_eq!(t.key, "layers");
        assert_eq!(t.rows.last().unwrap()[3], Cell::Int(138_357_544));
        // 25088·4096 + 4096 = 102,764,544 of 138,357,544 = 74.3%.
        assert!(
            o.notices[0].text.en.contains("102764544") && o.notices[0].text.en.contains("74.3%"),
            "{}",
            o.notices[0].text.en
        );
        let r = lab("resnet50", &[]).unwrap();
        assert_eq!(r.tables[0].key, "blocks");
        assert_eq!(r.tables[0].rows.len(), 18 + 1);
        assert!(r
            .notices
            .iter()
            .any(|n| n.text.en.contains("16 residual additions")));
        let b = lab("bert-base", &[("seq_len", "512")]).unwrap();
        assert_eq!(b.find_figure("parameters"), Some(109_482_240.0));
        assert!(b
            .notices
            .iter()
            .any(|n| n.text.en.contains("At 512 tokens")));
        // VGG's adaptive pool keeps the FC input at 512·7·7 whatever the
        // image: same parameters, far less work at 32×32.
        let small = lab("vgg16", &[("input_size", "32")]).unwrap();
        assert_eq!(small.find_figure("parameters"), Some(138_357_544.0));
        assert!(small.find_figure("macs").unwrap() < o.find_figure("macs").unwrap() / 30.0);
        // LeNet-5 has no such pool: a larger input grows its first FC layer.
        let big = lab("lenet5", &[("input_size", "64")]).unwrap();
        assert!(big.find_figure("parameters").unwrap() > 61_706.0);
        assert!(big
            .notices
            .iter()
            .any(|n| n.text.en.contains("at this input size")));
        let e = lab("vgg16", &[("input_size", "16")]).unwrap_err();
        assert!(e.to_string().contains("larger input"), "{e}");
    }
}
