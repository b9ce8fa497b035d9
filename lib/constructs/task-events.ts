import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The stack's EventBridge bus: the runtime publishes task lifecycle events
 * (succeeded, failed, retried) here, and catalog triggers turn domain events
 * on it into tasks.
 */
export class TaskEvents extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Lovage task lifecycle and domain events',
    });
  }

  /** Lets `grantee` publish to the bus (events:PutEvents on this bus only). */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.bus.grantPutEventsTo(grantee);
  }
}
