package tollgate.serve;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.execution.SparkSqlParser;

/**
 * The guard without a server or a Spark session, for tests and for a reader who wants to know
 * what `tollgate serve` would run: `java -cp tollgate-serve.jar:<pyspark jars>:<delta jars>
 * tollgate.serve.GoldOnlyCheck VIEW[,VIEW...] < statements` reads one statement per line and
 * prints `allowed` or `refused: <why>` for each, in order. Delta's parser is put in front of
 * Spark's when its jar is on the class path, as it is in a served session.
 */
public final class GoldOnlyCheck {

  private GoldOnlyCheck() {}

  public static void main(String[] args) throws Exception {
    System.setProperty(GoldOnlyParser.VIEWS_PROPERTY, args.length > 0 ? args[0] : "");
    ParserInterface parser = new GoldOnlyParser(sessionParser());
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = input.readLine(); line != null; line = input.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      try {
        parser.parsePlan(line);
        System.out.println("allowed");
      } catch (GoldOnlyViolation refusal) {
        System.out.println("refused: " + refusal.getMessage());
      } catch (Exception error) {
        System.out.println("refused: not valid SQL (" + error.getClass().getSimpleName() + ")");
      }
    }
  }

  private static ParserInterface sessionParser() throws ReflectiveOperationException {
    ParserInterface spark = new SparkSqlParser();
    try {
      Class<?> delta = Class.forName("io.delta.sql.parser.DeltaSqlParser");
      return (ParserInterface) delta.getConstructor(ParserInterface.class).newInstance(spark);
    } catch (ClassNotFoundException absent) {
      return spark;
    }
  }
}
