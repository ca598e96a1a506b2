package tollgate.serve;

/** A statement `tollgate serve` does not run. Its message names the kind of thing, never data. */
public final class GoldOnlyViolation extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public GoldOnlyViolation(String message) {
    super(message);
  }
}
