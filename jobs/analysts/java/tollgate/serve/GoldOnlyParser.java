package tollgate.serve;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParameterContext;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's SQL parser, with every statement checked by GoldOnlyPlans before it is returned.
 *
 * <p>The check sits in the parser, not in a session setting, because HiveServer2 clients can
 * change session settings (spark.sql.runSQLOnFiles among them) when they open a session, without
 * a statement. The gold view names come from the JVM system property VIEWS_PROPERTY, set by
 * `tollgate serve` once it has registered them; without it no table is readable.
 */
public final class GoldOnlyParser implements ParserInterface {

  public static final String VIEWS_PROPERTY = "tollgate.serve.views";

  private final ParserInterface delegate;

  public GoldOnlyParser(ParserInterface delegate) {
    this.delegate = delegate;
  }

  static Set<String> goldViews() {
    return Arrays.stream(System.getProperty(VIEWS_PROPERTY, "").split(","))
        .map(name -> name.trim().toLowerCase(Locale.ROOT))
        .filter(name -> !name.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
  }

  private static LogicalPlan checked(LogicalPlan plan) {
    GoldOnlyPlans.check(plan, goldViews());
    return plan;
  }

  @Override
  public LogicalPlan parsePlan(String sqlText) throws ParseException {
    return checked(delegate.parsePlan(sqlText));
  }

  @Override
  public LogicalPlan parsePlanWithParameters(String sqlText, ParameterContext parameters)
      throws ParseException {
    return checked(delegate.parsePlanWithParameters(sqlText, parameters));
  }

  @Override
  public LogicalPlan parseQuery(String sqlText) throws ParseException {
    return checked(delegate.parseQuery(sqlText));
  }

  // Expressions, identifiers and types carry no relation: they pass through unchanged.

  @Override
  public Expression parseExpression(String sqlText) throws ParseException {
    return delegate.parseExpression(sqlText);
  }

  @Override
  public TableIdentifier parseTableIdentifier(String sqlText) throws ParseException {
    return delegate.parseTableIdentifier(sqlText);
  }

  @Override
  public FunctionIdentifier parseFunctionIdentifier(String sqlText) throws ParseException {
    return delegate.parseFunctionIdentifier(sqlText);
  }

  @Override
  public scala.collection.immutable.Seq<String> parseMultipartIdentifier(String sqlText)
      throws ParseException {
    return delegate.parseMultipartIdentifier(sqlText);
  }

  @Override
  public StructType parseRoutineParam(String sqlText) throws ParseException {
    return delegate.parseRoutineParam(sqlText);
  }

  @Override
  public StructType parseTableSchema(String sqlText) throws ParseException {
    return delegate.parseTableSchema(sqlText);
  }

  @Override
  public DataType parseDataType(String sqlText) throws ParseException {
    return delegate.parseDataType(sqlText);
  }
}
