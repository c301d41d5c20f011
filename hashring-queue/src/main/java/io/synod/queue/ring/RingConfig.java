package io.synod.queue.ring;

import java.util.OptionalDouble;

/**
 * How a ring is built.
 *
 * @param vnodesPerNode virtual nodes per node, must be in 1..{@link HashRing#MAX_VNODES}
 * @param boundedLoadEpsilon the epsilon for {@link BoundedLoadPlacement} of a known key set (must
 *     be finite and at least 0); empty means none. Routing never applies it: {@link RingView} and
 *     {@link HashRing#ownerOf} place every topic by plain consistent hashing, because a route
 *     must be the same pure function of the key on every node, which bounded-load placement of
 *     a changing key set is not
 */
public record RingConfig(int vnodesPerNode, OptionalDouble boundedLoadEpsilon) {
  /** Default epsilon when bounded-load placement is switched on without one. */
  public static final double DEFAULT_EPSILON = 0.10;

  /** Checks the values. */
  public RingConfig {
    if (vnodesPerNode < 1 || vnodesPerNode > HashRing.MAX_VNODES) {
      throw new IllegalArgumentException(
          "vnodesPerNode must be in 1.." + HashRing.MAX_VNODES + ", got " + vnodesPerNode);
    }
    if (boundedLoadEpsilon == null) {
      boundedLoadEpsilon = OptionalDouble.empty();
    }
    if (boundedLoadEpsilon.isPresent()) {
      double e = boundedLoadEpsilon.getAsDouble();
      if (!(e >= 0) || Double.isInfinite(e)) {
        throw new IllegalArgumentException("bounded-load epsilon must be finite and >= 0");
      }
    }
  }

  /**
   * The defaults: {@link HashRing#DEFAULT_VNODES}, bounded-load off.
   *
   * @return the default config
   */
  public static RingConfig defaults() {
    return new RingConfig(HashRing.DEFAULT_VNODES, OptionalDouble.empty());
  }

  /**
   * This config with bounded-load placement on.
   *
   * @param epsilon the allowed overload, finite and at least 0
   * @return a new config
   */
  public RingConfig withBoundedLoad(double epsilon) {
    return new RingConfig(vnodesPerNode, OptionalDouble.of(epsilon));
  }
}
