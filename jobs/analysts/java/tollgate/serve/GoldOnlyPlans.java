package tollgate.serve;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableOrView;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.apache.spark.sql.catalyst.trees.TreeNode;
import scala.Tuple3;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What a `tollgate serve` client may run, decided on the parsed (unresolved) plan: a query whose
 * every table is a gold view (or a CTE of the same statement) named by one plain name, or one of a
 * few read-only catalog statements (USE, SHOW TABLES/DATABASES, DESCRIBE, SHOW COLUMNS) that BI
 * tools send. Everything else is refused: other tables, paths (delta.`/lake/bronze/...`), table
 * options, table functions, time travel, IDENTIFIER(), TRANSFORM (runs a program), reflect()
 * (calls Java), every command that writes, caches, sets, adds jars or creates anything, and SQL
 * scripts. Node types are allowed by name, so a node this list does not know is refused.
 */
final class GoldOnlyPlans {

  private static final Set<String> QUERY_NODES =
      Set.of(
          "Project", "Filter", "Aggregate", "Sort", "GlobalLimit", "LocalLimit", "Offset",
          "Distinct", "Deduplicate", "Union", "Intersect", "Except", "Join", "LateralJoin",
          "SubqueryAlias", "UnresolvedWith", "OneRowRelation", "LocalRelation",
          "UnresolvedInlineTable", "WithWindowDefinition", "UnresolvedHint", "UnresolvedHaving",
          "Generate", "Pivot", "Unpivot", "Sample", "RepartitionByExpression",
          "UnresolvedSubqueryColumnAliases", "Tail", "PipeOperator");

  private static final Set<String> CATALOG_NODES =
      Set.of(
          "SetCatalogAndNamespace", "SetNamespaceCommand", "UnresolvedNamespace", "CurrentNamespace$",
          "ShowTables",
          "ShowNamespaces", "ShowNamespacesCommand", "ShowCurrentNamespaceCommand",
          "DescribeRelation", "DescribeColumn", "ShowColumns");

  // Functions that reach outside the query: reflect and its aliases call any static Java method.
  private static final Set<String> REFUSED_FUNCTIONS = Set.of("reflect", "java_method", "try_reflect");

  private GoldOnlyPlans() {}

  static void check(LogicalPlan plan, Set<String> goldViews) {
    new GoldOnlyPlans.Walk(goldViews).plan(plan);
  }

  static GoldOnlyViolation refused(String what) {
    return new GoldOnlyViolation(
        "tollgate serve runs queries over the gold views only (SELECT or WITH; USE, SHOW TABLES,"
            + " DESCRIBE); refused: "
            + what);
  }

  private static <T> List<T> list(scala.collection.Seq<T> seq) {
    return CollectionConverters.asJava(seq);
  }

  /** One statement's walk: the names it may read grow with the CTEs it defines. */
  private static final class Walk {
    private final Set<String> readable;

    Walk(Set<String> goldViews) {
      this.readable = new HashSet<>(goldViews);
    }

    void plan(LogicalPlan node) {
      String kind = node.getClass().getSimpleName();
      if (node instanceof UnresolvedWith with) {
        for (Tuple3<String, SubqueryAlias, ?> cte : list(with.cteRelations())) {
          readable.add(cte._1().toLowerCase(Locale.ROOT));
          plan(cte._2());
        }
      } else if (node instanceof UnresolvedRelation relation) {
        name(list(relation.multipartIdentifier()));
        if (!relation.options().isEmpty()) {
          throw refused("table options");
        }
      } else if (node instanceof UnresolvedTableOrView tableOrView) {
        name(list(tableOrView.multipartIdentifier()));
      } else if (!QUERY_NODES.contains(kind) && !CATALOG_NODES.contains(kind)) {
        throw refused(kind);
      }
      for (LogicalPlan child : list(node.children())) {
        plan(child);
      }
      for (TreeNode<?> inner : list(node.innerChildren())) {
        if (inner instanceof LogicalPlan innerPlan) {
          plan(innerPlan);
        }
      }
      for (Expression expression : list(node.expressions())) {
        expression(expression);
      }
    }

    private void name(List<String> parts) {
      if (parts.size() != 1 || !readable.contains(parts.get(0).toLowerCase(Locale.ROOT))) {
        throw refused("a table that is not a gold view (use its plain name, e.g. usage_by_time_of_day)");
      }
    }

    private void expression(Expression node) {
      String kind = node.getClass().getSimpleName();
      if (kind.equals("ExpressionWithUnresolvedIdentifier")) {
        throw refused("IDENTIFIER()");
      }
      if (node instanceof UnresolvedFunction function) {
        List<String> parts = list(function.nameParts());
        String name = parts.get(parts.size() - 1).toLowerCase(Locale.ROOT);
        if (parts.size() != 1 || REFUSED_FUNCTIONS.contains(name)) {
          throw refused("function " + String.join(".", parts));
        }
      }
      if (node instanceof SubqueryExpression subquery) {
        plan(subquery.plan());
      }
      for (Expression child : list(node.children())) {
        expression(child);
      }
    }
  }
}
