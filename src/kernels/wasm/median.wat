;; The counting pass of the bracketing nanmedian (src/kernels/bracket-median.ts) in
;; WebAssembly SIMD: for a block of pixels, over every plane of a float32 cube, count per
;; pixel the values below its bracket [lo, hi] and above it, and append the values inside
;; to the pixel's buffer. Four pixels per 128-bit lane; no branch depends on the data, so
;; the pass costs the same on any cube (V8 compiles the JavaScript comparisons to branches,
;; which mispredict on every other value).
;;
;; The memory is imported: it is the shared memory the cube was read into (both threads
;; instantiate this module over the same memory). All pointers are byte offsets.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; cube: the (nz, npix) cube; pb, bw: the block's first pixel and width (a multiple of 4);
  ;; lo, hi: bw float32 brackets; below, inside, above: bw int32 counts (zeroed by the
  ;; caller); buf: bw buffers of cap float32 each (pixel j's at buf + 4 * j * cap).
  ;; The value is always stored at the pixel's next free slot (clamped to the last), and
  ;; the slot is taken only when the value is inside: a branch-free append.
  (func (export "pass")
    (param $cube i32) (param $npix i32) (param $nz i32) (param $pb i32) (param $bw i32)
    (param $lo i32) (param $hi i32) (param $below i32) (param $inside i32) (param $above i32)
    (param $buf i32) (param $cap i32)
    (local $z i32) (local $row i32) (local $j i32) (local $o i32)
    (local $v v128) (local $l v128) (local $h v128) (local $in v128) (local $slot v128)
    (local $last v128) (local $stride i32) (local $base i32)
    (local.set $last (i32x4.splat (i32.sub (local.get $cap) (i32.const 1))))
    (local.set $stride (i32.shl (local.get $cap) (i32.const 2)))
    (local.set $z (i32.const 0))
    (block $zdone
      (loop $zloop
        (br_if $zdone (i32.ge_u (local.get $z) (local.get $nz)))
        (local.set $row (i32.add (local.get $cube)
          (i32.shl (i32.add (i32.mul (local.get $z) (local.get $npix)) (local.get $pb)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jloop
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $bw)))
            (local.set $o (i32.shl (local.get $j) (i32.const 2)))
            (local.set $v (v128.load (i32.add (local.get $row) (local.get $o))))
            (local.set $l (v128.load (i32.add (local.get $lo) (local.get $o))))
            (local.set $h (v128.load (i32.add (local.get $hi) (local.get $o))))
            ;; counts: a true lane is -1, so subtracting the mask adds one
            (v128.store (i32.add (local.get $below) (local.get $o))
              (i32x4.sub (v128.load (i32.add (local.get $below) (local.get $o))) (f32x4.lt (local.get $v) (local.get $l))))
            (v128.store (i32.add (local.get $above) (local.get $o))
              (i32x4.sub (v128.load (i32.add (local.get $above) (local.get $o))) (f32x4.gt (local.get $v) (local.get $h))))
            (local.set $in (v128.load (i32.add (local.get $inside) (local.get $o))))
            (local.set $slot (i32x4.min_s (local.get $in) (local.get $last)))
            ;; pixel j + L's buffer starts at buf + (j + L) * 4 * cap
            (local.set $base (i32.add (local.get $buf) (i32.mul (local.get $j) (local.get $stride))))
            (f32.store (i32.add (local.get $base) (i32.shl (i32x4.extract_lane 0 (local.get $slot)) (i32.const 2)))
              (f32x4.extract_lane 0 (local.get $v)))
            (local.set $base (i32.add (local.get $base) (local.get $stride)))
            (f32.store (i32.add (local.get $base) (i32.shl (i32x4.extract_lane 1 (local.get $slot)) (i32.const 2)))
              (f32x4.extract_lane 1 (local.get $v)))
            (local.set $base (i32.add (local.get $base) (local.get $stride)))
            (f32.store (i32.add (local.get $base) (i32.shl (i32x4.extract_lane 2 (local.get $slot)) (i32.const 2)))
              (f32x4.extract_lane 2 (local.get $v)))
            (local.set $base (i32.add (local.get $base) (local.get $stride)))
            (f32.store (i32.add (local.get $base) (i32.shl (i32x4.extract_lane 3 (local.get $slot)) (i32.const 2)))
              (f32x4.extract_lane 3 (local.get $v)))
            (v128.store (i32.add (local.get $inside) (local.get $o))
              (i32x4.sub (local.get $in)
                (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jloop)))
        (local.set $z (i32.add (local.get $z) (i32.const 1)))
        (br $zloop)))))
