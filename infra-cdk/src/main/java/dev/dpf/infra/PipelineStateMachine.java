package dev.dpf.infra;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.TimeZone;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.glue.CfnJob;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.ScheduleTargetInput;
import software.amazon.awscdk.services.scheduler.targets.StepFunctionsStartExecution;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.stepfunctions.CatchProps;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.Fail;
import software.amazon.awscdk.services.stepfunctions.IntegrationPattern;
import software.amazon.awscdk.services.stepfunctions.JitterType;
import software.amazon.awscdk.services.stepfunctions.JsonPath;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.RetryProps;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.Succeed;
import software.amazon.awscdk.services.stepfunctions.TaskInput;
import software.amazon.awscdk.services.stepfunctions.tasks.GlueStartJobRun;
import software.amazon.awscdk.services.stepfunctions.tasks.SnsPublish;
import software.constructs.Construct;

/**
 * The pipeline's orchestration, built in CDK: ingest, then transform, then curate, each a Glue run
 * the state machine waits for ({@code glue:startJobRun.sync}). Glue API errors are retried with
 * exponential backoff and jitter; a failed run is retried once (the stages resume an interrupted
 * batch and rewrite nothing twice); any other failure publishes to an SNS topic and fails the
 * execution. Alarms on failed, timed-out and aborted executions notify the same topic. An
 * EventBridge Scheduler schedule starts it, daily by default.
 */
final class PipelineStateMachine extends Construct {
  /** Glue errors worth retrying soon: throttling, concurrency, Glue's own faults. */
  static final List<String> GLUE_API_ERRORS =
      List.of(
          "Glue.AWSGlueException",
          "Glue.ConcurrentRunsExceededException",
          "Glue.InternalServiceException",
          "Glue.OperationTimeoutException",
          "Glue.ThrottlingException");

  private final StateMachine stateMachine;
  private final Topic alerts;

  PipelineStateMachine(
      Construct scope, String id, DeployConfig config, Map<GlueJobs.Stage, CfnJob> jobs, Key key) {
    super(scope, id);
    alerts = alerts(config, key);
    SnsPublish notify = notifyFailure();
    GlueStartJobRun first = stages(jobs, notify);
    stateMachine =
        StateMachine.Builder.create(this, "Pipeline")
            .comment("dpf: ingest -> transform -> curate")
            .definitionBody(DefinitionBody.fromChainable(first))
            .timeout(Duration.minutes(3L * config.glueTimeoutMinutes() + 60))
            .tracingEnabled(true)
            .logs(
                LogOptions.builder()
                    .destination(LogGroups.create(this, "Logs", key, config.devEnvironment()))
                    .level(LogLevel.ALL)
                    .includeExecutionData(false)
                    .build())
            .build();

    Nag.suppress(
        stateMachine.getRole(),
        "PCI.DSS.321-IAMNoInlinePolicy",
        "The policy the CDK's state machine construct builds from its tasks: these three Glue"
            + " jobs, the alert topic, logs and X-Ray.");
    Nag.suppressFindings(
        stateMachine.getRole(),
        "AwsSolutions-IAM5",
        "X-Ray tracing: xray:PutTraceSegments, PutTelemetryRecords and the sampling actions have"
            + " no resource-level permissions.",
        "Resource::\\*");

    List.of(
        alarm("FailedAlarm", stateMachine.metricFailed(), "A pipeline execution failed"),
        alarm("TimedOutAlarm", stateMachine.metricTimedOut(), "A pipeline execution timed out"),
        alarm("AbortedAlarm", stateMachine.metricAborted(), "A pipeline execution was aborted"));

    schedule(config);
  }

  /** The alert topic, encrypted, with the configured e-mail subscribed. */
  private Topic alerts(DeployConfig config, Key key) {
    Topic alerts =
        Topic.Builder.create(this, "Alerts")
            .displayName("dpf pipeline failures")
            .masterKey(key)
            .enforceSsl(true)
            .build();
    config.alarmEmail().ifPresent(email -> alerts.addSubscription(new EmailSubscription(email)));
    // CloudWatch alarms publish to the encrypted topic with this key.
    key.addToResourcePolicy(
        PolicyStatement.Builder.create()
            .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
            .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
            .resources(List.of("*"))
            .build());

    return alerts;
  }

  /** Publishes a failed execution's error to the alert topic, then fails the execution. */
  private SnsPublish notifyFailure() {
    SnsPublish notify =
        SnsPublish.Builder.create(this, "NotifyFailure")
            .topic(alerts)
            .subject("dpf pipeline failed")
            .message(
                TaskInput.fromObject(
                    ordered(
                        "execution", JsonPath.stringAt("$$.Execution.Id"),
                        "state", JsonPath.stringAt("$$.State.Name"),
                        "error", JsonPath.stringAt("$.failure.Error"),
                        "cause", JsonPath.stringAt("$.failure.Cause"))))
            .resultPath(JsonPath.DISCARD)
            .build();
    Fail failed =
        Fail.Builder.create(this, "PipelineFailed")
            .error("DpfPipelineFailed")
            .cause("A stage failed; the alert topic has the error")
            .build();
    notify.next(failed);

    return notify;
  }

  /** A Glue job run per stage, in order, each retried and caught into {@code notify}; the first. */
  private GlueStartJobRun stages(Map<GlueJobs.Stage, CfnJob> jobs, SnsPublish notify) {
    GlueStartJobRun previous = null;
    GlueStartJobRun first = null;
    for (GlueJobs.Stage stage :
        java.util.Arrays.stream(GlueJobs.Stage.values()).filter(s -> s.ofRun).toList()) {
      GlueStartJobRun run =
          GlueStartJobRun.Builder.create(this, Names.pascal(stage.label))
              .stateName(Names.pascal(stage.label))
              .glueJobName(jobs.get(stage).getRef())
              .integrationPattern(IntegrationPattern.RUN_JOB)
              .resultPath("$." + stage.label)
              .build();
      run.addRetry(
          RetryProps.builder()
              .errors(GLUE_API_ERRORS)
              .interval(Duration.seconds(30))
              .backoffRate(2)
              .maxAttempts(4)
              .jitterStrategy(JitterType.FULL)
              .build());
      run.addRetry(
          RetryProps.builder()
              .errors(List.of("States.TaskFailed"))
              .interval(Duration.minutes(5))
              .backoffRate(2)
              .maxAttempts(1)
              .build());
      run.addCatch(
          notify,
          CatchProps.builder().errors(List.of("States.ALL")).resultPath("$.failure").build());
      if (previous == null) {
        first = run;
      } else {
        previous.next(run);
      }
      previous = run;
    }
    previous.next(Succeed.Builder.create(this, "Done").build());

    return first;
  }

  /** Starts the pipeline on the configured schedule, through a role of its own. */
  private void schedule(DeployConfig config) {
    Role schedulerRole =
        Role.Builder.create(this, "ScheduleRole")
            .assumedBy(new ServicePrincipal("scheduler.amazonaws.com"))
            .description("EventBridge Scheduler starts the dpf pipeline")
            .build();
    Schedule.Builder.create(this, "Schedule")
        .description("Starts the dpf pipeline")
        .schedule(
            ScheduleExpression.expression(
                config.pipelineSchedule(), TimeZone.of(config.scheduleTimeZone())))
        .target(
            StepFunctionsStartExecution.Builder.create(stateMachine)
                .input(ScheduleTargetInput.fromObject(ordered("trigger", "schedule")))
                .retryAttempts(2)
                .role(schedulerRole)
                .build())
        .build();
    // After the target bound: it adds the policy to the role then.
    Nag.suppress(
        schedulerRole,
        "PCI.DSS.321-IAMNoInlinePolicy",
        "The policy the CDK's scheduler target attaches: states:StartExecution on this state"
            + " machine only.");
  }

  private Alarm alarm(String id, Metric metric, String description) {
    Alarm alarm =
        Alarm.Builder.create(this, id)
            .alarmDescription(description)
            .metric(
                metric.with(
                    software.amazon.awscdk.services.cloudwatch.MetricOptions.builder()
                        .period(Duration.minutes(5))
                        .statistic("Sum")
                        .build()))
            .threshold(1)
            .evaluationPeriods(1)
            .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
            .treatMissingData(TreatMissingData.NOT_BREACHING)
            .build();
    alarm.addAlarmAction(new SnsAction(alerts));
    return alarm;
  }

  /** A map that keeps its order (templates must not depend on hash order). */
  private static Map<String, Object> ordered(String... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  StateMachine stateMachine() {
    return stateMachine;
  }
}
