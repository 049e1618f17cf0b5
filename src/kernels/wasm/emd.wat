;; The hot loops of the EMD k-means (src/kernels/emdKMeans.ts, silhouette.ts) in
;; WebAssembly SIMD: two float64 lanes per instruction, where V8 emits one scalar operation
;; per element for the JavaScript versions.
;;
;; Every result is bit-identical to the JavaScript kernels, which themselves reproduce
;; numpy/scipy: a 128-bit lane does exactly the IEEE-754 operation the scalar code does on
;; that element, in the same order. `emd` keeps emdFromCdfs's four partial sums (s0..s3)
;; as the lanes of two vectors and combines them as ((s0 + s1) + (s2 + s3)) + |a48 - b48|;
;; `accumulate` adds row * mass to each of the 50 sums with a separate multiply and add
;; (no fused multiply-add), member after member, as meanOfMembers does.
;;
;; A row is one pixel's or centroid's 50 float64 (400 bytes: CDFs or weights); every row
;; starts on a 16-byte boundary. Edit this file, then `npm run build:wasm` regenerates
;; emd-wasm.ts (test/kernels-wasm.test.ts fails while the two disagree).
(module
  (memory (export "memory") 1)
  ;; The objective of the last `assign`: the sum of each pixel's distance to its centroid.
  (global $objective (export "objective") (mut f64) (f64.const 0))
  ;; $emd2's second distance.
  (global $second (mut f64) (f64.const 0))

  ;; EMD between the CDF rows at byte offsets $a and $b: emdFromCdfs in emd.ts.
  (func $emd (export "emd") (param $a i32) (param $b i32) (result f64)
    (local $v01 v128) (local $v23 v128)
    (local.set $v01 (f64x2.abs (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b)))))
    (local.set $v23 (f64x2.abs (f64x2.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=64 (local.get $a)) (v128.load offset=64 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=80 (local.get $a)) (v128.load offset=80 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=96 (local.get $a)) (v128.load offset=96 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=112 (local.get $a)) (v128.load offset=112 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=128 (local.get $a)) (v128.load offset=128 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=144 (local.get $a)) (v128.load offset=144 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=160 (local.get $a)) (v128.load offset=160 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=176 (local.get $a)) (v128.load offset=176 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=192 (local.get $a)) (v128.load offset=192 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=208 (local.get $a)) (v128.load offset=208 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=224 (local.get $a)) (v128.load offset=224 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=240 (local.get $a)) (v128.load offset=240 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=256 (local.get $a)) (v128.load offset=256 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=272 (local.get $a)) (v128.load offset=272 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=288 (local.get $a)) (v128.load offset=288 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=304 (local.get $a)) (v128.load offset=304 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=320 (local.get $a)) (v128.load offset=320 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=336 (local.get $a)) (v128.load offset=336 (local.get $b))))))
    (local.set $v01 (f64x2.add (local.get $v01) (f64x2.abs (f64x2.sub (v128.load offset=352 (local.get $a)) (v128.load offset=352 (local.get $b))))))
    (local.set $v23 (f64x2.add (local.get $v23) (f64x2.abs (f64x2.sub (v128.load offset=368 (local.get $a)) (v128.load offset=368 (local.get $b))))))
    (f64.add
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $v01)) (f64x2.extract_lane 1 (local.get $v01)))
        (f64.add (f64x2.extract_lane 0 (local.get $v23)) (f64x2.extract_lane 1 (local.get $v23))))
      (f64.abs (f64.sub (f64.load offset=384 (local.get $a)) (f64.load offset=384 (local.get $b))))))

  ;; Two EMDs at once, from the CDF rows $a and $b to the row $p: $emd's arithmetic, twice,
  ;; interleaved so that the two dependency chains overlap (one EMD is a chain of 12
  ;; dependent vector additions per lane pair; the order of the additions is fixed by
  ;; scipy's, so they cannot be split further). EMD($a, $p) is returned, EMD($b, $p)
  ;; goes to the global `second`.
  (func $emd2 (param $a i32) (param $b i32) (param $p i32) (result f64)
    (local $v01a v128) (local $v23a v128) (local $v01b v128) (local $v23b v128) (local $x v128)
    (local.set $x (v128.load (local.get $p)))
    (local.set $v01a (f64x2.abs (f64x2.sub (v128.load (local.get $a)) (local.get $x))))
    (local.set $v01b (f64x2.abs (f64x2.sub (v128.load (local.get $b)) (local.get $x))))
    (local.set $x (v128.load offset=16 (local.get $p)))
    (local.set $v23a (f64x2.abs (f64x2.sub (v128.load offset=16 (local.get $a)) (local.get $x))))
    (local.set $v23b (f64x2.abs (f64x2.sub (v128.load offset=16 (local.get $b)) (local.get $x))))
    (local.set $x (v128.load offset=32 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=32 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=32 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=48 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=48 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=48 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=64 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=64 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=64 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=80 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=80 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=80 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=96 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=96 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=96 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=112 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=112 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=112 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=128 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=128 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=128 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=144 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=144 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=144 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=160 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=160 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=160 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=176 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=176 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=176 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=192 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=192 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=192 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=208 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=208 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=208 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=224 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=224 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=224 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=240 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=240 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=240 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=256 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=256 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=256 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=272 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=272 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=272 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=288 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=288 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=288 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=304 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=304 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=304 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=320 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=320 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=320 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=336 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=336 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=336 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=352 (local.get $p)))
    (local.set $v01a (f64x2.add (local.get $v01a) (f64x2.abs (f64x2.sub (v128.load offset=352 (local.get $a)) (local.get $x)))))
    (local.set $v01b (f64x2.add (local.get $v01b) (f64x2.abs (f64x2.sub (v128.load offset=352 (local.get $b)) (local.get $x)))))
    (local.set $x (v128.load offset=368 (local.get $p)))
    (local.set $v23a (f64x2.add (local.get $v23a) (f64x2.abs (f64x2.sub (v128.load offset=368 (local.get $a)) (local.get $x)))))
    (local.set $v23b (f64x2.add (local.get $v23b) (f64x2.abs (f64x2.sub (v128.load offset=368 (local.get $b)) (local.get $x)))))
    (global.set $second
      (f64.add
        (f64.add
          (f64.add (f64x2.extract_lane 0 (local.get $v01b)) (f64x2.extract_lane 1 (local.get $v01b)))
          (f64.add (f64x2.extract_lane 0 (local.get $v23b)) (f64x2.extract_lane 1 (local.get $v23b))))
        (f64.abs (f64.sub (f64.load offset=384 (local.get $b)) (f64.load offset=384 (local.get $p))))))
    (f64.add
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $v01a)) (f64x2.extract_lane 1 (local.get $v01a)))
        (f64.add (f64x2.extract_lane 0 (local.get $v23a)) (f64x2.extract_lane 1 (local.get $v23a))))
      (f64.abs (f64.sub (f64.load offset=384 (local.get $a)) (f64.load offset=384 (local.get $p))))))

  ;; One assignment round: pixel v (CDF row $pix + 400 v) takes 1 + the index of its
  ;; nearest centroid among $kept (CDF rows from $cen; the first on ties). $labels holds
  ;; n int32 labels, updated in place. Returns how many changed; the objective (the nearest
  ;; distances summed in pixel order) goes to the global `objective`.
  (func (export "assign") (param $pix i32) (param $n i32) (param $cen i32) (param $kept i32) (param $labels i32) (result i32)
    (local $v i32) (local $po i32) (local $c i32) (local $co i32) (local $best i32)
    (local $bestD f64) (local $d f64) (local $obj f64) (local $changed i32) (local $lp i32)
    (if (i32.eqz (local.get $n)) (then (global.set $objective (f64.const 0)) (return (i32.const 0))))
    (local.set $po (local.get $pix))
    (local.set $lp (local.get $labels))
    (loop $pixels
      ;; centroids 0 and 1, 2 and 3, ... two at a time, compared in order; then the last one
      (local.set $best (i32.const 0))
      (local.set $bestD (f64.const inf))
      (local.set $c (i32.const 0))
      (local.set $co (local.get $cen))
      (block $done
        (loop $centroids
          (br_if $done (i32.ge_u (i32.add (local.get $c) (i32.const 1)) (local.get $kept)))
          (local.set $d (call $emd2 (local.get $co) (i32.add (local.get $co) (i32.const 400)) (local.get $po)))
          (if (f64.lt (local.get $d) (local.get $bestD))
            (then (local.set $bestD (local.get $d)) (local.set $best (local.get $c))))
          (if (f64.lt (global.get $second) (local.get $bestD))
            (then (local.set $bestD (global.get $second)) (local.set $best (i32.add (local.get $c) (i32.const 1)))))
          (local.set $c (i32.add (local.get $c) (i32.const 2)))
          (local.set $co (i32.add (local.get $co) (i32.const 800)))
          (br $centroids)))
      (if (i32.lt_u (local.get $c) (local.get $kept))
        (then
          (local.set $d (call $emd (local.get $co) (local.get $po)))
          (if (f64.lt (local.get $d) (local.get $bestD))
            (then (local.set $bestD (local.get $d)) (local.set $best (local.get $c))))))
      (local.set $obj (f64.add (local.get $obj) (local.get $bestD)))
      (local.set $best (i32.add (local.get $best) (i32.const 1)))
      (if (i32.ne (i32.load (local.get $lp)) (local.get $best))
        (then
          (i32.store (local.get $lp) (local.get $best))
          (local.set $changed (i32.add (local.get $changed) (i32.const 1)))))
      (local.set $po (i32.add (local.get $po) (i32.const 400)))
      (local.set $lp (i32.add (local.get $lp) (i32.const 4)))
      (local.set $v (i32.add (local.get $v) (i32.const 1)))
      (br_if $pixels (i32.lt_u (local.get $v) (local.get $n))))
    (global.set $objective (local.get $obj))
    (local.get $changed))

;; Every group's weighted sum in one pass over the pixels: for v = 0..$n-1 in order, the
  ;; row of group $labels[v] (1-based; 0 = none) in $out gets (pixel v's weights row) *
  ;; $mass[v] (float32, exactly widened). Each group's sum thus adds its members in pixel
  ;; order, as meanOfMembers does group by group, but the pixels' rows are read once, in
  ;; memory order. $rows, $out: rows of 50 float64; $labels: int32; $mass: float32.
  (func (export "accumulateAll") (param $rows i32) (param $labels i32) (param $mass i32) (param $n i32) (param $out i32)
    (local $v i32) (local $g i32) (local $row i32) (local $mv v128)
    (local.set $row (local.get $rows))
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $v) (local.get $n)))
        (local.set $g (i32.load (local.get $labels)))
        (if (i32.gt_s (local.get $g) (i32.const 0))
          (then
            (local.set $mv (f64x2.splat (f64.promote_f32 (f32.load (local.get $mass)))))
            (local.set $g (i32.add (local.get $out) (i32.mul (i32.sub (local.get $g) (i32.const 1)) (i32.const 400))))
            (call $addScaled (local.get $g) (local.get $row) (local.get $mv))))
        (local.set $row (i32.add (local.get $row) (i32.const 400)))
        (local.set $labels (i32.add (local.get $labels) (i32.const 4)))
        (local.set $mass (i32.add (local.get $mass) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br $pixels))))

  ;; $out += $row * $mv, 50 float64 (a separate multiply and add per element: no FMA).
  (func $addScaled (param $out i32) (param $row i32) (param $mv v128)
    (v128.store offset=0 (local.get $out) (f64x2.add (v128.load offset=0 (local.get $out)) (f64x2.mul (v128.load offset=0 (local.get $row)) (local.get $mv))))
    (v128.store offset=16 (local.get $out) (f64x2.add (v128.load offset=16 (local.get $out)) (f64x2.mul (v128.load offset=16 (local.get $row)) (local.get $mv))))
    (v128.store offset=32 (local.get $out) (f64x2.add (v128.load offset=32 (local.get $out)) (f64x2.mul (v128.load offset=32 (local.get $row)) (local.get $mv))))
    (v128.store offset=48 (local.get $out) (f64x2.add (v128.load offset=48 (local.get $out)) (f64x2.mul (v128.load offset=48 (local.get $row)) (local.get $mv))))
    (v128.store offset=64 (local.get $out) (f64x2.add (v128.load offset=64 (local.get $out)) (f64x2.mul (v128.load offset=64 (local.get $row)) (local.get $mv))))
    (v128.store offset=80 (local.get $out) (f64x2.add (v128.load offset=80 (local.get $out)) (f64x2.mul (v128.load offset=80 (local.get $row)) (local.get $mv))))
    (v128.store offset=96 (local.get $out) (f64x2.add (v128.load offset=96 (local.get $out)) (f64x2.mul (v128.load offset=96 (local.get $row)) (local.get $mv))))
    (v128.store offset=112 (local.get $out) (f64x2.add (v128.load offset=112 (local.get $out)) (f64x2.mul (v128.load offset=112 (local.get $row)) (local.get $mv))))
    (v128.store offset=128 (local.get $out) (f64x2.add (v128.load offset=128 (local.get $out)) (f64x2.mul (v128.load offset=128 (local.get $row)) (local.get $mv))))
    (v128.store offset=144 (local.get $out) (f64x2.add (v128.load offset=144 (local.get $out)) (f64x2.mul (v128.load offset=144 (local.get $row)) (local.get $mv))))
    (v128.store offset=160 (local.get $out) (f64x2.add (v128.load offset=160 (local.get $out)) (f64x2.mul (v128.load offset=160 (local.get $row)) (local.get $mv))))
    (v128.store offset=176 (local.get $out) (f64x2.add (v128.load offset=176 (local.get $out)) (f64x2.mul (v128.load offset=176 (local.get $row)) (local.get $mv))))
    (v128.store offset=192 (local.get $out) (f64x2.add (v128.load offset=192 (local.get $out)) (f64x2.mul (v128.load offset=192 (local.get $row)) (local.get $mv))))
    (v128.store offset=208 (local.get $out) (f64x2.add (v128.load offset=208 (local.get $out)) (f64x2.mul (v128.load offset=208 (local.get $row)) (local.get $mv))))
    (v128.store offset=224 (local.get $out) (f64x2.add (v128.load offset=224 (local.get $out)) (f64x2.mul (v128.load offset=224 (local.get $row)) (local.get $mv))))
    (v128.store offset=240 (local.get $out) (f64x2.add (v128.load offset=240 (local.get $out)) (f64x2.mul (v128.load offset=240 (local.get $row)) (local.get $mv))))
    (v128.store offset=256 (local.get $out) (f64x2.add (v128.load offset=256 (local.get $out)) (f64x2.mul (v128.load offset=256 (local.get $row)) (local.get $mv))))
    (v128.store offset=272 (local.get $out) (f64x2.add (v128.load offset=272 (local.get $out)) (f64x2.mul (v128.load offset=272 (local.get $row)) (local.get $mv))))
    (v128.store offset=288 (local.get $out) (f64x2.add (v128.load offset=288 (local.get $out)) (f64x2.mul (v128.load offset=288 (local.get $row)) (local.get $mv))))
    (v128.store offset=304 (local.get $out) (f64x2.add (v128.load offset=304 (local.get $out)) (f64x2.mul (v128.load offset=304 (local.get $row)) (local.get $mv))))
    (v128.store offset=320 (local.get $out) (f64x2.add (v128.load offset=320 (local.get $out)) (f64x2.mul (v128.load offset=320 (local.get $row)) (local.get $mv))))
    (v128.store offset=336 (local.get $out) (f64x2.add (v128.load offset=336 (local.get $out)) (f64x2.mul (v128.load offset=336 (local.get $row)) (local.get $mv))))
    (v128.store offset=352 (local.get $out) (f64x2.add (v128.load offset=352 (local.get $out)) (f64x2.mul (v128.load offset=352 (local.get $row)) (local.get $mv))))
    (v128.store offset=368 (local.get $out) (f64x2.add (v128.load offset=368 (local.get $out)) (f64x2.mul (v128.load offset=368 (local.get $row)) (local.get $mv))))
    (v128.store offset=384 (local.get $out) (f64x2.add (v128.load offset=384 (local.get $out)) (f64x2.mul (v128.load offset=384 (local.get $row)) (local.get $mv)))))

  ;; The silhouette's sums: for each pair i < j of the $n CDF rows from $cdfs (in that
  ;; order: i ascending, then j), d = EMD(i, j) is added to $sums[i * $groups + label(j) - 1]
  ;; and $sums[j * $groups + label(i) - 1] (float64, zeroed by the caller); $labels: $n
  ;; int32 labels in 1..$groups.
  (func (export "pairSums") (param $cdfs i32) (param $labels i32) (param $n i32) (param $groups i32) (param $sums i32)
    (local $i i32) (local $j i32) (local $li i32) (local $d f64) (local $x i32) (local $y i32)
    (block $doneI
      (loop $rowsI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $li (i32.sub (i32.load (i32.add (local.get $labels) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 1)))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (block $doneJ
          (loop $rowsJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $d (call $emd
              (i32.add (local.get $cdfs) (i32.mul (local.get $i) (i32.const 400)))
              (i32.add (local.get $cdfs) (i32.mul (local.get $j) (i32.const 400)))))
            (local.set $x (i32.add (local.get $sums) (i32.shl
              (i32.sub (i32.add (i32.mul (local.get $i) (local.get $groups)) (i32.load (i32.add (local.get $labels) (i32.shl (local.get $j) (i32.const 2))))) (i32.const 1))
              (i32.const 3))))
            (f64.store (local.get $x) (f64.add (f64.load (local.get $x)) (local.get $d)))
            (local.set $y (i32.add (local.get $sums) (i32.shl
              (i32.add (i32.mul (local.get $j) (local.get $groups)) (local.get $li))
              (i32.const 3))))
            (f64.store (local.get $y) (f64.add (f64.load (local.get $y)) (local.get $d)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rowsJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsI))))
)
