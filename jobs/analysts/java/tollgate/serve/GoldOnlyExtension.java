package tollgate.serve;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The spark.sql.extensions entry of `tollgate serve`: wraps the session's SQL parser (Delta's,
 * when listed after it) in a GoldOnlyParser, so every statement a client sends is checked
 * before Spark resolves it.
 */
public final class GoldOnlyExtension extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectParser(
        new AbstractFunction2<SparkSession, ParserInterface, ParserInterface>() {
          @Override
          public ParserInterface apply(SparkSession session, ParserInterface delegate) {
            return new GoldOnlyParser(delegate);
          }
        });
    return BoxedUnit.UNIT;
  }
}
